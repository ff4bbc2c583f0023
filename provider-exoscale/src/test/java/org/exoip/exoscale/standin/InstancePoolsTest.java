package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Instance pools, labels, instance states and the list filters of the stand-in, and their control routes. */
class InstancePoolsTest extends StandinTestBase {

    @Test
    void poolsListTheirMembersAndMembersNameTheirManager() throws Exception {
        String pool = state.addInstancePool(null, "web", List.of(EIP_ADDRESS), Map.of("tier", "front")).id();
        state.setInstancePool("node-1", "web");
        state.setInstancePool(node3, pool);

        JsonNode listed = json(get("/instance-pool")).get("instance-pools");
        assertEquals(1, listed.size());
        JsonNode one = json(get("/instance-pool/" + pool));
        assertEquals(listed.get(0), one);
        assertEquals("web", one.get("name").asText());
        assertEquals("running", one.get("state").asText());
        assertEquals(List.of(node1, node3), ids(one.get("instances")));
        assertEquals(List.of(eip), ids(one.get("elastic-ips")));
        assertEquals("front", one.get("labels").get("tier").asText());
        JsonNode manager = json(get("/instance/" + node1)).get("manager");
        assertEquals(pool, manager.get("id").asText());
        assertEquals("instance-pool", manager.get("type").asText());
        assertFalse(json(get("/instance/" + node2)).has("manager"));
        assertEquals(404, get("/instance-pool/" + java.util.UUID.randomUUID()).statusCode());
    }

    @Test
    void listFiltersOnManagerLabelsAndNeverHidesState() throws Exception {
        String pool = state.addInstancePool(null, "web", null, null).id();
        String other = state.addInstancePool(null, "db", null, null).id();
        state.setInstancePool("node-1", "web");
        state.setInstancePool("node-2", "db");
        state.setLabels("node-2", Map.of("role", "exoip", "env", "prod"));
        state.setLabels("node-3", Map.of("role", "exoip"));
        state.setState("node-3", "stopped");

        assertEquals(List.of(node1), listed("manager-id=" + pool + "&manager-type=instance-pool"));
        assertEquals(List.of(node2), listed("manager-id=" + other));
        assertEquals(List.of(node1, node2), listed("manager-type=instance-pool"));
        assertEquals(List.of(node2, node3), listed("labels=" + encode("role=exoip")));
        assertEquals(List.of(node2), listed("labels=" + encode("role=exoip env=prod")));
        assertEquals(List.of(), listed("labels=" + encode("role=web")));
        // The list shows every state; choosing the running ones is the client's business.
        assertEquals("stopped", json(get("/instance/" + node3)).get("state").asText());
        assertEquals(400, get("/instance?manager-type=sks-nodepool").statusCode());
        assertEquals(400, get("/instance?labels=" + encode("no-equals-sign")).statusCode());
    }

    @Test
    void controlRoutesAddPoolsMoveMembersAndSetLabelsAndState() throws Exception {
        HttpResponse<String> created = control("POST", "/instance-pools",
                "{\"name\":\"web\",\"elastic-ips\":[\"" + EIP_ADDRESS + "\"]}");
        assertEquals(201, created.statusCode(), created.body());
        String pool = json(created).get("id").asText();
        assertEquals(204, control("PUT", "/instance-pools/web/members/node-1", null).statusCode());
        assertEquals(List.of(node1), state.poolMembers(pool));
        assertEquals(201, control("POST", "/instances", "{\"name\":\"node-4\",\"public-ip\":\"127.0.0.4\","
                + "\"instance-pool\":\"web\",\"labels\":{\"role\":\"exoip\"},\"state\":\"starting\"}").statusCode());
        JsonNode node4 = json(get("/instance/" + state.findInstance("node-4").orElseThrow().id()));
        assertEquals("starting", node4.get("state").asText());
        assertEquals("exoip", node4.get("labels").get("role").asText());
        assertEquals(2, json(get("/instance-pool/" + pool)).get("instances").size());

        assertEquals(204, control("DELETE", "/instance-pools/web/members/node-1", null).statusCode());
        assertEquals(1, state.poolMembers(pool).size());
        assertEquals(200, control("PUT", "/instances/node-2/labels", "{\"role\":\"exoip\"}").statusCode());
        assertEquals(Map.of("role", "exoip"), state.findInstance("node-2").orElseThrow().labels());
        assertEquals(200, control("PUT", "/instances/node-2/state", "{\"state\":\"stopped\"}").statusCode());
        assertEquals("stopped", state.findInstance("node-2").orElseThrow().state());
        assertEquals(400, control("PUT", "/instances/node-2/state", "{\"state\":\"asleep\"}").statusCode());
        assertEquals(404, control("PUT", "/instance-pools/nope/members/node-1", null).statusCode());
        JsonNode shown = json(control("GET", "/state", null)).get("instance-pools");
        assertEquals(1, shown.size());
    }

    @Test
    void configurationDescribesPoolsLabelsAndStates() throws Exception {
        StandinConfig config = StandinConfig.parse("{\"elastic-ips\":[{\"ip\":\"192.0.2.1\"}],"
                + "\"instance-pools\":[{\"name\":\"web\",\"elastic-ips\":[\"192.0.2.1\"]}],"
                + "\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\",\"instance-pool\":\"web\","
                + "\"labels\":{\"role\":\"exoip\"},\"state\":\"stopped\"}]}", null);
        StandinState world = new StandinState(StandinClock.system());
        config.applyTo(world);
        StandinState.InstancePool pool = world.instancePools().get(0);
        StandinState.Instance a = world.findInstance("a").orElseThrow();
        assertEquals(pool.id(), a.poolId());
        assertEquals(Map.of("role", "exoip"), a.labels());
        assertEquals("stopped", a.state());
        assertEquals(List.of(world.elasticIps().get(0).id()), pool.elasticIpIds());
        assertTrue(world.instance(a.id()).isPresent());
    }

    private List<String> listed(String query) throws Exception {
        HttpResponse<String> response = get("/instance?" + query);
        assertEquals(200, response.statusCode(), response.body());
        return ids(json(response).get("instances"));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static List<String> ids(JsonNode items) {
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.get("id").asText()));
        return ids;
    }
}

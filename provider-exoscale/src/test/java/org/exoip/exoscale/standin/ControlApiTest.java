package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The unsigned control API lets a harness in another process read and steer the stand-in. */
class ControlApiTest extends StandinTestBase {

    @Test
    void readsHoldersAndEvents() throws Exception {
        operate("attach", node2);
        JsonNode holders = json(control("GET", "/holders", null)).get("elastic-ips").get(0);
        assertEquals(eip, holders.get("id").asText());
        assertEquals(EIP_ADDRESS, holders.get("ip").asText());
        assertEquals(node2, holders.get("holders").get(0).get("id").asText());
        assertEquals("node-2", holders.get("holders").get(0).get("name").asText());

        JsonNode event = json(control("GET", "/events", null)).get("events").get(0);
        assertEquals("attach", event.get("kind").asText());
        assertEquals(node2, event.get("instance").asText());
        assertEquals(eip, event.get("elastic-ip").asText());
        assertEquals(node2, event.get("holders").get(0).asText());
        assertTrue(event.get("nanos").isIntegralNumber());
        assertFalse(event.get("at").asText().isEmpty());
    }

    @Test
    void attachesAndDetachesDirectlyByAddressAndName() throws Exception {
        assertEquals(200, control("PUT", "/elastic-ips/" + EIP_ADDRESS + "/holders/node-3", null).statusCode());
        assertEquals(Set.of(node3), state.holders(eip));
        assertEquals(200, control("DELETE", "/elastic-ips/" + eip + "/holders/" + node3, null).statusCode());
        assertTrue(state.holders(eip).isEmpty());
        assertEquals(404, control("PUT", "/elastic-ips/" + EIP_ADDRESS + "/holders/node-9", null).statusCode());
    }

    @Test
    void queuesListsAndClearsFaults() throws Exception {
        HttpResponse<String> queued = control("POST", "/faults",
                "{\"kind\":\"rate-limited\",\"times\":2,\"method\":\"GET\",\"path\":\"^/v2/elastic-ip$\","
                        + "\"retry-after-seconds\":1}");
        assertEquals(200, queued.statusCode(), queued.body());
        assertEquals(2, json(queued).get("faults").get(0).get("times").asInt());
        assertEquals(429, get("/elastic-ip").statusCode());
        assertEquals(1, json(control("GET", "/faults", null)).get("faults").get(0).get("times").asInt());
        assertEquals(204, control("DELETE", "/faults", null).statusCode());
        assertEquals(200, get("/elastic-ip").statusCode());

        control("POST", "/faults", "{\"kind\":\"operation-failure\",\"reason\":\"busy\"}");
        assertEquals("busy", operate("attach", node1).get("reason").asText());
        assertEquals(400, control("POST", "/faults", "{\"kind\":\"explode\"}").statusCode());
        assertEquals(400, control("POST", "/faults", "{\"kind\":\"slow\",\"delay-ms\":\"long\"}").statusCode());
        assertEquals(400, control("POST", "/faults", "{not json").statusCode());
    }

    @Test
    void addsInstancesElasticIpsGroupsAndMembers() throws Exception {
        HttpResponse<String> created = control("POST", "/instances",
                "{\"name\":\"node-4\",\"public-ip\":\"127.0.0.4\",\"security-groups\":[\"exoip\"]}");
        assertEquals(201, created.statusCode(), created.body());
        String node4 = json(created).get("id").asText();
        assertEquals(group, json(get("/instance/" + node4)).get("security-groups").get(0).get("id").asText());
        assertEquals(400, control("POST", "/instances", "{\"name\":\"dup\",\"public-ip\":\"127.0.0.4\"}")
                .statusCode());

        assertEquals(201, control("POST", "/elastic-ips", "{\"ip\":\"192.0.2.30\",\"labels\":{\"a\":\"b\"}}")
                .statusCode());
        assertEquals(2, json(get("/elastic-ip")).get("elastic-ips").size());

        assertEquals(201, control("POST", "/security-groups", "{\"name\":\"db\"}").statusCode());
        assertEquals(204, control("POST", "/security-groups/db/members", "{\"instance\":\"node-1\"}").statusCode());
        assertEquals(2, state.findInstance("node-1").orElseThrow().securityGroupIds().size());
        assertEquals(204, control("DELETE", "/security-groups/exoip/members/node-1", null).statusCode());
        assertEquals(1, state.findInstance("node-1").orElseThrow().securityGroupIds().size());
        assertEquals(404, control("POST", "/security-groups/nope/members", "{\"instance\":\"node-1\"}")
                .statusCode());

        assertEquals(204, control("DELETE", "/instances/node-4", null).statusCode());
        assertTrue(state.findInstance("node-4").isEmpty());
    }

    @Test
    void changesSettingsAndShowsState() throws Exception {
        JsonNode settings = json(control("PUT", "/settings", "{\"operation-delay-ms\":1500,\"zone\":\"at-vie-1\"}"));
        assertEquals(1500, settings.get("operation-delay-ms").asInt());
        assertEquals(Duration.ofMillis(1500), state.operationDelay());
        assertEquals("at-vie-1", state.zone());
        assertEquals(400, control("PUT", "/settings", "{\"zone\":\"Mars\"}").statusCode());
        JsonNode world = json(control("GET", "/state", null));
        assertEquals(3, world.get("instances").size());
        assertEquals(1, world.get("elastic-ips").size());
        assertEquals(2, world.get("security-groups").size());
        assertEquals("at-vie-1", world.get("zone").asText());
    }

    @Test
    void resetReturnsToTheStartingConfiguration() throws Exception {
        StandinConfig config = StandinConfig.parse("{\"credentials\":[{\"key\":\"k\",\"secret\":\"s\"}],"
                + "\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\"}],"
                + "\"elastic-ips\":[{\"ip\":\"192.0.2.40\",\"attached-to\":[\"a\"]}]}", null);
        try (StandinServer configured = StandinServer.builder().config(config)
                .start(new InetSocketAddress("127.0.0.1", 0))) {
            StandinState world = configured.state();
            String vip = world.elasticIps().get(0).id();
            String a = world.findInstance("a").orElseThrow().id();
            world.addInstance("b", "127.0.0.2");
            world.attach(vip, "b");
            world.detach(vip, a);
            configured.faults().add(Fault.proxyError());
            world.setOperationDelay(Duration.ofSeconds(5));

            assertEquals(204, control(configured, "POST", "/reset", null).statusCode());
            assertEquals(Set.of(a), world.holders(vip));
            assertTrue(world.findInstance("b").isEmpty());
            assertEquals(1, world.events().size(), "only the configured attachment");
            assertTrue(configured.faults().pending().isEmpty());
            assertTrue(configured.requestCounts().isEmpty());
            assertEquals(Duration.ZERO, world.operationDelay());
        }
    }

    @Test
    void unknownControlRoutesAre404() throws Exception {
        assertEquals(404, control("GET", "/nothing", null).statusCode());
        assertEquals(404, control("PUT", "/elastic-ips/" + eip + "/owners/node-1", null).statusCode());
        assertTrue(server.requestCounts().isEmpty(), "control requests are not counted");
    }

    @Test
    void onlyLoopbackClientsUnlessAllowed() throws Exception {
        InetAddress remote = InetAddress.getByAddress(new byte[] {10, 0, 0, 7});
        assertFalse(StandinServer.controlAllowed(remote, false));
        assertTrue(StandinServer.controlAllowed(remote, true));
        assertTrue(StandinServer.controlAllowed(InetAddress.getByName("127.0.0.2"), false));
        assertTrue(StandinServer.controlAllowed(InetAddress.getByName("::1"), false));
    }
}

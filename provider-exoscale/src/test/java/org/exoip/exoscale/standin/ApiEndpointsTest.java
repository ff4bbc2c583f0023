package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each route answers the JSON shape of the reference page, plus an unknown field. */
class ApiEndpointsTest extends StandinTestBase {

    /**
     * Without TCP_NODELAY the JDK server's answers stall 40 ms on Nagle and the client's delayed
     * ACK; the stand-in turns it on for every server of its JVM (read by the JDK once per JVM).
     */
    @Test
    void theServerSendsWithoutNagleDelays() {
        assertEquals("true", System.getProperty(StandinServer.NO_DELAY_PROPERTY));
    }

    @Test
    void listsElasticIps() throws Exception {
        HttpResponse<String> response = get("/elastic-ip");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode list = json(response).get("elastic-ips");
        assertEquals(1, list.size());
        JsonNode item = list.get(0);
        assertEquals(eip, item.get("id").asText());
        assertEquals(EIP_ADDRESS, item.get("ip").asText());
        assertEquals("inet4", item.get("addressfamily").asText());
        assertTrue(item.get("labels").isObject());
        assertTrue(item.get("x-standin").asBoolean());
    }

    @Test
    void getsOneElasticIp() throws Exception {
        state.addElasticIp(null, "2001:db8::10", "the v6 one", Map.of("role", "vip"));
        JsonNode v6 = json(get("/elastic-ip/" + state.findElasticIp("2001:db8::10").orElseThrow().id()));
        assertEquals("inet6", v6.get("addressfamily").asText());
        assertEquals("the v6 one", v6.get("description").asText());
        assertEquals("vip", v6.get("labels").get("role").asText());
        assertEquals(EIP_ADDRESS, json(get("/elastic-ip/" + eip)).get("ip").asText());
    }

    @Test
    void unknownIdsAnswer404WithAMessage() throws Exception {
        for (String path : List.of("/elastic-ip/00000000-0000-0000-0000-000000000000",
                "/instance/00000000-0000-0000-0000-000000000000",
                "/security-group/00000000-0000-0000-0000-000000000000",
                "/operation/00000000-0000-0000-0000-000000000000")) {
            HttpResponse<String> response = get(path);
            assertEquals(404, response.statusCode(), path);
            assertTrue(json(response).get("message").asText().contains("not found"), path);
        }
    }

    @Test
    void unknownRoutesAnswer404WithAMessage() throws Exception {
        for (String path : List.of("/zone", "/elastic-ip/" + eip + ":reboot", "/instance/" + node1 + "/extra")) {
            HttpResponse<String> response = get(path);
            assertEquals(404, response.statusCode(), path);
            assertTrue(json(response).has("message"), path);
        }
        HttpResponse<String> outside = client.send(HttpRequest.newBuilder(server.baseUri().resolve("/nothing")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, outside.statusCode());
        assertTrue(json(outside).has("message"));
    }

    @Test
    void getsAnInstanceWithItsElasticIps() throws Exception {
        state.attach(eip, node2);
        JsonNode instance = json(get("/instance/" + node2));
        assertEquals(node2, instance.get("id").asText());
        assertEquals("node-2", instance.get("name").asText());
        assertEquals("running", instance.get("state").asText());
        assertEquals("127.0.0.2", instance.get("public-ip").asText());
        assertEquals(group, instance.get("security-groups").get(0).get("id").asText());
        assertEquals(eip, instance.get("elastic-ips").get(0).get("id").asText());
        assertTrue(instance.get("x-standin").asBoolean());
        assertEquals(0, json(get("/instance/" + node1)).get("elastic-ips").size());
    }

    @Test
    void listsInstancesWithoutElasticIps() throws Exception {
        state.attach(eip, node1);
        JsonNode list = json(get("/instance")).get("instances");
        assertEquals(List.of(node1, node2, node3), ids(list));
        list.forEach(item -> assertFalse(item.has("elastic-ips"), item.toString()));
        assertEquals(2, list.get(2).get("security-groups").size());
    }

    @Test
    void filtersInstancesByElasticIpAddress() throws Exception {
        assertEquals(List.of(), ids(json(get("/instance?ip-address=" + EIP_ADDRESS)).get("instances")));
        state.attach(eip, node3);
        state.attach(eip, node1);
        assertEquals(List.of(node1, node3), ids(json(get("/instance?ip-address=" + EIP_ADDRESS)).get("instances")));
        // An instance's own public IP matches too, as the real filter is about addresses.
        assertEquals(List.of(node2), ids(json(get("/instance?ip-address=127.0.0.2")).get("instances")));
        assertEquals(List.of(), ids(json(get("/instance?ip-address=192.0.2.99")).get("instances")));
        assertEquals(List.of(), ids(json(get("/instance?manager-type=instance-pool")).get("instances")));
    }

    @Test
    void listsAndGetsSecurityGroups() throws Exception {
        JsonNode list = json(get("/security-group")).get("security-groups");
        assertEquals(2, list.size());
        assertEquals("exoip", list.get(0).get("name").asText());
        assertEquals("web", list.get(1).get("name").asText());
        assertEquals(2, json(get("/security-group?visibility=private")).get("security-groups").size());
        assertEquals(0, json(get("/security-group?visibility=public")).get("security-groups").size());
        assertEquals(400, get("/security-group?visibility=secret").statusCode());
        JsonNode one = json(get("/security-group/" + group));
        assertEquals("exoip", one.get("name").asText());
        assertTrue(one.get("x-standin").asBoolean());
        assertFalse(one.has("instances"));
    }

    @Test
    void getsAnOperation() throws Exception {
        JsonNode started = operate("attach", node1);
        JsonNode op = json(get("/operation/" + started.get("id").asText()));
        assertEquals(started.get("id"), op.get("id"));
        assertEquals("success", op.get("state").asText());
        assertEquals(eip, op.get("reference").get("id").asText());
        assertEquals("/v2/elastic-ip/" + eip, op.get("reference").get("link").asText());
        assertEquals("attach-instance-to-elastic-ip", op.get("reference").get("command").asText());
        assertTrue(op.get("x-standin").asBoolean());
    }

    @Test
    void refusesBadAttachRequests() throws Exception {
        String path = "/elastic-ip/" + eip + ":attach";
        assertEquals(400, put(path, "{\"instance\":\"" + node1 + "\"}").statusCode());
        assertEquals(400, put(path, "not json").statusCode());
        assertEquals(404, put(path, "{\"instance\":{\"id\":\"00000000-0000-0000-0000-000000000000\"}}").statusCode());
        assertEquals(404, put("/elastic-ip/00000000-0000-0000-0000-000000000000:attach",
                "{\"instance\":{\"id\":\"" + node1 + "\"}}").statusCode());
        assertEquals(405, send(signed("GET", api(path), null)).statusCode());
        assertEquals(405, put("/instance", "{}").statusCode());
        String body = "{\"instance\":{\"id\":\"" + node1 + "\"}}";
        HttpResponse<String> noType = send(signed("PUT", api(path), body).setHeader("Content-Type", "text/plain"));
        assertEquals(415, noType.statusCode());
        assertTrue(state.holders(eip).isEmpty());
    }

    @Test
    void countsRequestsPerRoute() throws Exception {
        get("/elastic-ip");
        get("/elastic-ip");
        get("/elastic-ip/" + eip);
        operate("attach", node1);
        send(HttpRequest.newBuilder(api("/instance")).GET());
        assertEquals(2L, server.requestCounts().get("GET /v2/elastic-ip"));
        assertEquals(1L, server.requestCounts().get("GET /v2/elastic-ip/{id}"));
        assertEquals(1L, server.requestCounts().get("PUT /v2/elastic-ip/{id}:attach"));
        assertEquals(1L, server.requestCounts().get("GET /v2/instance"), "refused requests count too");
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.forEach(item -> ids.add(item.get("id").asText()));
        return ids;
    }
}

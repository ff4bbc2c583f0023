package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Managed private networks of the stand-in: leases in the API, on the instances, in the configuration and by control. */
class PrivateNetworksTest extends StandinTestBase {

    @Test
    void aNetworkListsItsLeasesAndTheInstancesNameIt() throws Exception {
        String net = state.addPrivateNetwork(null, "exoip-net", "adverts", "10.0.0.10", "10.0.0.99",
                "255.255.255.0").id();
        state.setLease("exoip-net", "node-1", "10.0.0.11");
        state.setLease(net, node2, "10.0.0.12");

        JsonNode listed = json(get("/private-network")).get("private-networks");
        assertEquals(1, listed.size());
        JsonNode one = json(get("/private-network/" + net));
        assertEquals(listed.get(0), one);
        assertEquals("exoip-net", one.get("name").asText());
        assertEquals("10.0.0.10", one.get("start-ip").asText());
        assertEquals("10.0.0.99", one.get("end-ip").asText());
        assertEquals("255.255.255.0", one.get("netmask").asText());
        assertEquals(Map.of(node1, "10.0.0.11", node2, "10.0.0.12"), leases(one));
        JsonNode onInstance = json(get("/instance/" + node1)).get("private-networks");
        assertEquals(1, onInstance.size());
        assertEquals(net, onInstance.get(0).get("id").asText());
        assertTrue(onInstance.get(0).get("mac-address").asText().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"),
                onInstance.toString());
        assertEquals(0, json(get("/instance/" + node3)).get("private-networks").size());
        assertEquals(404, get("/private-network/" + java.util.UUID.randomUUID()).statusCode());

        // A lease moved, ended, and ended with its instance.
        state.setLease(net, "node-1", "10.0.0.21");
        state.removeLease(net, "node-2");
        assertEquals(Map.of(node1, "10.0.0.21"), leases(json(get("/private-network/" + net))));
        state.removeInstance("node-1");
        assertEquals(Map.of(), leases(json(get("/private-network/" + net))));
    }

    @Test
    void leasesAreInTheNetworksRangeAndEachAddressOnce() {
        state.addPrivateNetwork(null, "n", null, "10.0.0.10", "10.0.0.20", "255.255.255.0");
        state.setLease("n", "node-1", "10.0.0.10");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> state.setLease("n", "node-2", "10.0.0.10"))
                .getMessage().contains("already leased to instance " + node1));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> state.setLease("n", "node-2", "10.0.0.21"))
                .getMessage().contains("outside private network n (10.0.0.10 to 10.0.0.20)"));
        assertThrows(IllegalArgumentException.class, () -> state.setLease("n", "node-2", "fd00::1"));
        assertThrows(IllegalArgumentException.class, () -> state.addPrivateNetwork(null, "m", null, "10.0.0.20",
                "10.0.0.10", "255.255.255.0"));
        assertThrows(IllegalArgumentException.class, () -> state.addPrivateNetwork(null, "m", null, "10.0.0.1",
                null, "255.255.255.0"));
    }

    @Test
    void controlRoutesAddNetworksAndLeaseOrReleaseAddresses() throws Exception {
        HttpResponse<String> created = control("POST", "/private-networks", "{\"name\":\"exoip-net\","
                + "\"start-ip\":\"127.0.1.1\",\"end-ip\":\"127.0.1.254\",\"netmask\":\"255.255.255.0\"}");
        assertEquals(201, created.statusCode(), created.body());
        String net = json(created).get("id").asText();
        HttpResponse<String> leased = control("PUT", "/private-networks/exoip-net/leases/node-2", "{\"ip\":\"127.0.1.2\"}");
        assertEquals(200, leased.statusCode(), leased.body());
        assertEquals(Map.of(node2, "127.0.1.2"), leases(json(leased)));
        assertEquals(400, control("PUT", "/private-networks/exoip-net/leases/node-3", "{\"ip\":\"127.0.2.3\"}")
                .statusCode());
        assertEquals(404, control("PUT", "/private-networks/nope/leases/node-3", "{\"ip\":\"127.0.1.3\"}")
                .statusCode());
        assertEquals(1, json(control("GET", "/state", null)).get("private-networks").size());
        assertEquals(200, control("DELETE", "/private-networks/" + net + "/leases/node-2", null).statusCode());
        assertEquals(Map.of(), state.privateNetwork(net).orElseThrow().leases());
    }

    @Test
    void configurationDescribesNetworksAndTheirLeases() throws Exception {
        StandinConfig config = StandinConfig.parse("{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\"}],"
                + "\"private-networks\":[{\"name\":\"exoip-net\",\"start-ip\":\"10.0.0.1\",\"end-ip\":\"10.0.0.9\","
                + "\"netmask\":\"255.255.255.0\",\"leases\":[{\"instance\":\"a\",\"ip\":\"10.0.0.1\"}]}]}", null);
        StandinState world = new StandinState(StandinClock.system());
        config.applyTo(world);
        StandinState.Instance a = world.findInstance("a").orElseThrow();
        StandinState.PrivateNetwork net = world.privateNetworks().get(0);
        assertEquals(Map.of(a.id(), "10.0.0.1"), net.leases());
        assertEquals(List.of(net.id()), a.privateNetworkIds());

        StandinConfigException bad = assertThrows(StandinConfigException.class, () -> StandinConfig.parse(
                "{\"private-networks\":[{\"name\":\"n\",\"start-ip\":\"10.0.0.1\",\"end-ip\":\"10.0.0.9\","
                        + "\"netmask\":\"255.255.255.0\",\"leases\":[{\"instance\":\"ghost\",\"ip\":\"10.0.0.1\"}]}]}",
                null));
        assertEquals("private-networks[0] (n): no instance ghost", bad.getMessage());
    }

    private static Map<String, String> leases(JsonNode network) {
        Map<String, String> leases = new LinkedHashMap<>();
        network.get("leases").forEach(l -> leases.put(l.get("instance-id").asText(), l.get("ip").asText()));
        return leases;
    }
}

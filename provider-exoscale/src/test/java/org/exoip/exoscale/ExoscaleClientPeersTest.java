package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Peers from the cloud through {@link ExoscaleClient}: instance pools, labels and private networks' leases, against the stand-in. */
class ExoscaleClientPeersTest {

    private static final String KEY = "EXOpeers";
    private static final String SECRET = "peers-secret-never-shown";

    private StandinServer server;
    private StandinState state;
    private ExoscaleClient client;
    private UUID pool;
    private UUID nodeA;
    private UUID nodeB;
    private UUID nodeC;

    @BeforeEach
    void start() throws IOException {
        server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        state.addElasticIp("198.51.100.50");
        pool = UUID.fromString(state.addInstancePool(null, "exoip", null, null).id());
        state.addInstancePool(null, "other", List.of("198.51.100.50"), null);
        nodeA = id(state.addInstance(null, "node-a", "192.0.2.1", List.of(), Map.of("role", "exoip", "env", "prod"),
                "exoip", "running"));
        nodeB = id(state.addInstance(null, "node-b", "192.0.2.2", List.of(), Map.of("role", "exoip"), "exoip",
                "running"));
        nodeC = id(state.addInstance(null, "node-c", "192.0.2.3", List.of(), Map.of("role", "exoip", "env", "prod"),
                "other", "running"));
        client = ExoscaleClient.builder().endpoint(server.apiBase()).apiKey(KEY).apiSecret(SECRET)
                .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(2))
                .retrySchedule(new RetrySchedule(1, Duration.ofMillis(1), Duration.ofMillis(2), 0,
                        Duration.ofSeconds(5), Duration.ZERO))
                .build();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void poolMembersAreTheRunningInstancesItManages() throws Exception {
        assertEquals(Set.of(nodeA, nodeB), ids(client.poolMembers(pool)));
        assertEquals(1, server.requestCounts().get("GET /v2/instance"));

        state.setState("node-b", "stopped");
        assertEquals(Set.of(nodeA), ids(client.poolMembers(pool)));
        state.setInstancePool("node-c", "exoip");
        state.setInstancePool("node-a", null);
        assertEquals(Set.of(nodeC), ids(client.poolMembers(pool)));
    }

    @Test
    void aPoolIsFoundByNameOrIdAndCarriesItsElasticIps() throws Exception {
        InstancePool byName = client.instancePool("exoip");
        assertEquals(pool, byName.id());
        assertEquals("running", byName.state());
        assertEquals(Set.of(nodeA, nodeB), byName.instances());
        assertEquals(Set.of(), byName.elasticIps());
        assertEquals(byName, client.instancePool(pool.toString()));
        assertEquals(1, client.instancePool("other").elasticIps().size());

        ExoscaleException missing = assertThrows(ExoscaleException.class, () -> client.instancePool("nope"));
        assertTrue(missing.getMessage().startsWith("find instance pool \"nope\" failed: no instance pool has this "
                + "name or id"), missing.getMessage());
        state.addInstancePool("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a", "exoip", null, null);
        ExoscaleException twins = assertThrows(ExoscaleException.class, () -> client.instancePool("exoip"));
        assertTrue(twins.getMessage().contains("2 instance pools have this name"), twins.getMessage());
        assertTrue(!twins.retryable() && !missing.retryable());
    }

    @Test
    void theManagerOfAnInstanceIsItsPool() throws Exception {
        assertEquals(Optional.of(pool), client.poolOf(nodeB).map(InstancePool::id));
        UUID loner = id(state.addInstance("loner", "192.0.2.9"));
        assertEquals(Optional.empty(), client.poolOf(loner));
    }

    @Test
    void labelledInstancesMatchEveryPairAndRun() throws Exception {
        Map<String, String> prod = new LinkedHashMap<>();
        prod.put("role", "exoip");
        prod.put("env", "prod");
        assertEquals(Set.of(nodeA, nodeC), ids(client.labelled(prod)));
        assertEquals(Set.of(nodeA, nodeB, nodeC), ids(client.labelled(Map.of("role", "exoip"))));
        state.setState("node-c", "stopping");
        state.setLabels("node-b", Map.of("role", "exoip", "env", "prod"));
        assertEquals(Set.of(nodeA, nodeB), ids(client.labelled(prod)));
        assertEquals(Set.of(), ids(client.labelled(Map.of("role", "web"))));
    }

    @Test
    void theLabelsFilterCarriesOnePairAndTheRestIsCheckedHere() throws Exception {
        // A server that ignores the filter (its format is not documented) must not widen the peers.
        Map<String, String> prod = new LinkedHashMap<>();
        prod.put("env", "prod");
        prod.put("role", "exoip");
        state.setLabels("node-b", Map.of("env", "prod"));
        assertEquals(Set.of(nodeA, nodeC), ids(client.labelled(prod)));
    }

    @Test
    void aPrivateNetworkIsFoundByNameOrIdWithItsLeasesReadAfresh() throws Exception {
        UUID net = UUID.fromString(state.addPrivateNetwork(null, "exoip-net", null, "10.0.0.10", "10.0.0.99",
                "255.255.255.0").id());
        state.setLease("exoip-net", "node-a", "10.0.0.11");
        state.setLease("exoip-net", "node-b", "10.0.0.12");

        PrivateNetwork byName = client.privateNetwork("exoip-net");
        assertEquals(net, byName.id());
        assertEquals(Map.of(nodeA, InetAddress.getByName("10.0.0.11"), nodeB, InetAddress.getByName("10.0.0.12")),
                byName.leases());
        assertEquals(1, server.requestCounts().get("GET /v2/private-network"));
        assertEquals(1, server.requestCounts().get("GET /v2/private-network/{id}"));
        assertEquals(byName, client.privateNetwork(net.toString().toUpperCase(java.util.Locale.ROOT)));

        // Each call reads the leases again: a lease added, moved or ended is seen at once.
        state.removeLease("exoip-net", "node-a");
        state.setLease("exoip-net", "node-b", "10.0.0.22");
        state.setLease("exoip-net", "node-c", "10.0.0.13");
        assertEquals(Map.of(nodeB, InetAddress.getByName("10.0.0.22"), nodeC, InetAddress.getByName("10.0.0.13")),
                client.privateNetwork("exoip-net").leases());

        ExoscaleException missing = assertThrows(ExoscaleException.class, () -> client.privateNetwork("nope"));
        assertTrue(missing.getMessage().startsWith("find private network \"nope\" failed: no private network has "
                + "this name or id at "), missing.getMessage());
        state.addPrivateNetwork("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a", "exoip-net", null, "10.1.0.1", "10.1.0.9",
                "255.255.255.0");
        ExoscaleException twins = assertThrows(ExoscaleException.class, () -> client.privateNetwork("exoip-net"));
        assertTrue(twins.getMessage().contains("2 private networks have this name"), twins.getMessage());
        assertTrue(!twins.retryable() && !missing.retryable());
    }

    private static UUID id(StandinState.Instance instance) {
        return UUID.fromString(instance.id());
    }

    private static Set<UUID> ids(List<Instance> instances) {
        return instances.stream().map(Instance::id).collect(Collectors.toSet());
    }
}

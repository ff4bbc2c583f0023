package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instance-pool and label peers on the stand-in Exoscale API (loopback only), refreshed call by call. */
class PoolAndLabelPeersTest {

    private StandinServer server;
    private StandinState state;
    private ExoscaleClient client;
    private UUID a;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        state = server.state();
        state.addCredential("EXOprovider", "provider-secret");
        state.addElasticIp("198.51.100.50");
        state.addInstancePool(null, "exoip", null, null);
        a = UUID.fromString(state.addInstance(null, "a", "192.0.2.1", List.of(), Map.of("role", "exoip"), "exoip",
                "running").id());
        state.addInstance(null, "b", "192.0.2.2", List.of(), Map.of("role", "exoip"), "exoip", "running");
        state.addInstance(null, "web", "192.0.2.3", List.of(), Map.of("role", "web"), null, "running");
        state.addInstance(null, "private", null, List.of(), Map.of("role", "exoip"), "exoip", "running");
        client = ExoscaleElasticIpProviderTest.client(server.apiBase());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void poolPeersFollowTheMembersFromOneRefreshToTheNext() throws Exception {
        PoolPeers peers = new PoolPeers(client, "exoip", a, warnings::add);
        assertEquals(list(PeerSource.Membership.MEMBER, "192.0.2.1", "192.0.2.2"), peers.peers());

        state.setInstancePool("web", "exoip");
        assertEquals(list(PeerSource.Membership.MEMBER, "192.0.2.1", "192.0.2.2", "192.0.2.3"), peers.peers(),
                "a member added is a peer at the next refresh");
        state.setState("b", "stopped");
        state.setInstancePool("a", null);
        assertEquals(list(PeerSource.Membership.NOT_MEMBER, "192.0.2.3"), peers.peers(),
                "a stopped member is no peer; a node taken out of the pool is told so");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aPoolWithElasticIpsOfItsOwnIsWarnedAboutOnce() throws Exception {
        state.addInstancePool(null, "active-active", List.of("198.51.100.50"), null);
        state.setInstancePool("a", "active-active");
        PoolPeers peers = new PoolPeers(client, "active-active", a, warnings::add);
        peers.peers();
        peers.peers();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("Instance pool \"active-active\" ("), warnings.get(0));
        assertTrue(warnings.get(0).contains("attaches them to every member, which fights this watchdog"));
    }

    @Test
    void anUnknownPoolIsPermanent() {
        CloudException missing = assertThrows(CloudException.class,
                () -> new PoolPeers(client, "nope", a, warnings::add).peers());
        assertFalse(missing.retryable());
        assertTrue(missing.getMessage().contains("instance pool \"nope\""), missing.getMessage());
    }

    @Test
    void labelPeersAreTheRunningInstancesWithEveryLabel() throws Exception {
        LabelPeers peers = new LabelPeers(client, Map.of("role", "exoip"), a);
        assertEquals(list(PeerSource.Membership.MEMBER, "192.0.2.1", "192.0.2.2"), peers.peers());

        state.setLabels("web", Map.of("role", "exoip"));
        state.setLabels("a", Map.of("role", "old"));
        assertEquals(list(PeerSource.Membership.NOT_MEMBER, "192.0.2.2", "192.0.2.3"), peers.peers());
    }

    private static PeerSource.PeerList list(PeerSource.Membership membership, String... addresses) throws Exception {
        Set<InetAddress> set = new java.util.HashSet<>();
        for (String address : addresses) {
            set.add(InetAddress.getByName(address));
        }
        return new PeerSource.PeerList(set, membership);
    }
}

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

/**
 * Instance-pool and label peers on the stand-in Exoscale API (loopback only), and any of them addressed
 * by leases on a private network, refreshed call by call.
 */
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

    // ---- over a private network: the members chosen above, addressed by their leases

    /** Peers of pool exoip on network exoip-net, which leases a, b and web (not private) an address. */
    private NetworkPeers overPool() {
        network();
        return new NetworkPeers(client, "exoip-net", new PoolPeers(client, "exoip", a, warnings::add), a,
                warnings::add);
    }

    @Test
    void theMembersAreAddressedByTheirLeasesNeverThisNodeAndAMemberWithoutOneIsSaidOnce() throws Exception {
        NetworkPeers peers = overPool();
        assertEquals(InetAddress.getByName("10.0.0.1"), peers.ownAddress());
        assertEquals(list(PeerSource.Membership.MEMBER, "10.0.0.2"), peers.peers(),
                "b by its lease; private has none; web is leased but no member; a is this node");
        peers.peers();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("Peer private (" + state.findInstance("private").orElseThrow().id()
                + ") has no lease on private network \"exoip-net\" ("), warnings.get(0));
        assertTrue(warnings.get(0).endsWith(": left out of the peers until it has one"), warnings.get(0));

        // A lease given, moved or ended is seen at the next refresh, without a restart.
        state.setLease("exoip-net", "private", "10.0.0.9");
        state.setLease("exoip-net", "b", "10.0.0.22");
        assertEquals(list(PeerSource.Membership.MEMBER, "10.0.0.22", "10.0.0.9"), peers.peers(),
                "an instance without a public address takes part over the network");
        state.removeLease("exoip-net", "private");
        assertEquals(list(PeerSource.Membership.MEMBER, "10.0.0.22"), peers.peers());
        assertEquals(2, warnings.size(), "private is said again once it lost its lease again: " + warnings);
        assertEquals(4, server.requestCounts().get("GET /v2/instance-pool"), "ownAddress reads no members");
        assertEquals(5, server.requestCounts().get("GET /v2/private-network/{id}"), "the leases, read at each call");
    }

    @Test
    void anyMemberSourceChoosesTheMembersAndItsMembershipStands() throws Exception {
        network();
        NetworkPeers byLabel = new NetworkPeers(client, "exoip-net", new LabelPeers(client, Map.of("role", "web"), a),
                a, warnings::add);
        assertEquals(list(PeerSource.Membership.NOT_MEMBER, "10.0.0.3"), byLabel.peers(),
                "the labelled instance at its lease; this node, not labelled so, is told so");
        state.addSecurityGroup("exoip");
        state.addMember("exoip", "a");
        state.addMember("exoip", "b");
        NetworkPeers byGroup = new NetworkPeers(client, "exoip-net", new SecurityGroupPeers(client, "exoip", a), a,
                warnings::add);
        assertEquals(list(PeerSource.Membership.MEMBER, "10.0.0.2"), byGroup.peers());
    }

    @Test
    void thisNodeWithoutALeaseIsRefusedAtStartNamingTheNetwork() throws Exception {
        NetworkPeers peers = overPool();
        state.removeLease("exoip-net", "a");
        CloudException refused = assertThrows(CloudException.class, peers::ownAddress);
        assertFalse(refused.retryable());
        assertTrue(refused.getMessage().startsWith("this instance (" + a + ") has no lease on private network "
                + "\"exoip-net\" ("), refused.getMessage());
        CloudException unknown = assertThrows(CloudException.class, () -> new NetworkPeers(client, "nope",
                new PoolPeers(client, "exoip", a, warnings::add), a, warnings::add).ownAddress());
        assertFalse(unknown.retryable());
        assertTrue(unknown.getMessage().contains("private network \"nope\""), unknown.getMessage());
    }

    @Test
    void thisNodesLeaseChangingAfterStartIsSaidOnce() throws Exception {
        NetworkPeers peers = overPool();
        peers.ownAddress();
        peers.peers();
        state.setLease("exoip-net", "a", "10.0.0.11");
        peers.peers();
        peers.peers();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).contains("lease on private network \"exoip-net\" (") && warnings.get(1)
                .contains(" is 10.0.0.11 (it was 10.0.0.1)"), warnings.get(1));
    }

    private void network() {
        if (state.privateNetworks().isEmpty()) {
            state.addPrivateNetwork(null, "exoip-net", null, "10.0.0.1", "10.0.0.99", "255.255.255.0");
            state.setLease("exoip-net", "a", "10.0.0.1");
            state.setLease("exoip-net", "b", "10.0.0.2");
            state.setLease("exoip-net", "web", "10.0.0.3");
        }
    }

    private static PeerSource.PeerList list(PeerSource.Membership membership, String... addresses) throws Exception {
        Set<InetAddress> set = new java.util.HashSet<>();
        for (String address : addresses) {
            set.add(InetAddress.getByName(address));
        }
        return new PeerSource.PeerList(set, membership);
    }
}

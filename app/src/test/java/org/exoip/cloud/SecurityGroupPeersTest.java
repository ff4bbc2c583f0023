package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinServer;
import org.junit.jupiter.api.Test;

/** Security-group peers on the stand-in Exoscale API (loopback only). */
class SecurityGroupPeersTest {

    @Test
    void peersAreTheMembersPublicAddresses() throws Exception {
        try (StandinServer server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server.state().addCredential("EXOprovider", "provider-secret");
            java.util.UUID a = java.util.UUID.fromString(server.state().addInstance("a", "192.0.2.1", "exoip").id());
            server.state().addInstance("b", "192.0.2.2", "exoip", "ssh");
            server.state().addInstance("web", "192.0.2.3", "web");
            server.state().addInstance(null, "private", null, List.of("exoip"));
            SecurityGroupPeers peers = new SecurityGroupPeers(
                    ExoscaleElasticIpProviderTest.client(server.apiBase()), "exoip", a);

            assertEquals(new PeerSource.PeerList(Set.of(InetAddress.getByName("192.0.2.1"),
                    InetAddress.getByName("192.0.2.2")), PeerSource.Membership.MEMBER), peers.peers());

            server.state().removeMember("exoip", "a");
            assertEquals(new PeerSource.PeerList(Set.of(InetAddress.getByName("192.0.2.2")),
                    PeerSource.Membership.NOT_MEMBER), peers.peers(), "a left the group: no longer a member");
        }
    }

    @Test
    void aMissingGroupIsPermanentAndAnOutageIsRetryable() throws Exception {
        try (StandinServer server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            server.state().addCredential("EXOprovider", "provider-secret");
            server.state().addSecurityGroup("other");
            SecurityGroupPeers peers = new SecurityGroupPeers(
                    ExoscaleElasticIpProviderTest.client(server.apiBase()), "exoip", java.util.UUID.randomUUID());

            CloudException missing = assertThrows(CloudException.class, peers::peers);
            assertFalse(missing.retryable());
            assertTrue(missing.getMessage().contains("security group \"exoip\""), missing.getMessage());

            server.faults().add(Fault.unavailable().times(10));
            assertTrue(assertThrows(CloudException.class, peers::peers).retryable());
        }
    }
}

package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StaticPeersTest {

    private final Map<String, InetAddress[]> dns = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private final StaticPeers peers = new StaticPeers(List.of("192.0.2.1", "node-b", "node-c"), host -> {
        if (host.matches("[0-9.]+")) {
            return new InetAddress[] {InetAddress.getByName(host)};
        }
        InetAddress[] answer = dns.get(host);
        if (answer == null) {
            throw new UnknownHostException(host + ": no such host");
        }
        return answer;
    }, warnings::add);

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal);
    }

    @Test
    void namesAreResolvedAgainOnEveryCall() throws Exception {
        dns.put("node-b", new InetAddress[] {ip("192.0.2.2")});
        dns.put("node-c", new InetAddress[] {ip("192.0.2.3"), ip("2001:db8::3")});
        assertEquals(Set.of(ip("192.0.2.1"), ip("192.0.2.2"), ip("192.0.2.3")), peers.peers().addresses(),
                "IPv6 answers are left out");
        dns.put("node-b", new InetAddress[] {ip("192.0.2.22")});
        assertEquals(Set.of(ip("192.0.2.1"), ip("192.0.2.22"), ip("192.0.2.3")), peers.peers().addresses());
        assertEquals(PeerSource.Membership.NOT_APPLICABLE, peers.peers().membership());
    }

    @Test
    void aNameThatStopsResolvingKeepsItsLastAddresses() throws Exception {
        dns.put("node-b", new InetAddress[] {ip("192.0.2.2")});
        peers.peers();
        dns.remove("node-b");
        assertEquals(Set.of(ip("192.0.2.1"), ip("192.0.2.2")), peers.peers().addresses());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("node-b") && w.contains("keeping")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("node-c") && w.contains("skipped")), warnings.toString());
    }
}

package org.exoip.watchdog;

import static org.exoip.watchdog.LivenessTrackerTest.address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.exoip.protocol.Advert;
import org.junit.jupiter.api.Test;

class InfoReportTest {

    private static final long MS = 1_000_000L;

    @Test
    void listsTheNodeAndEveryPeer() {
        UUID self = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
        UUID peer = UUID.fromString("00000000-0000-4000-8000-000000000002");
        Inet4Address eip = (Inet4Address) address("198.51.100.50");
        Watchdog w = new Watchdog(new NodeSettings(self, eip, 10, Duration.ofMillis(200), 3), a -> false, t -> { });
        w.setPeers(List.of(address("192.0.2.2"), address("192.0.2.3")));
        w.start(0);
        w.onAdvert(address("192.0.2.2"), new Advert(20, eip, peer), 100 * MS, Instant.EPOCH);
        w.evaluate(700 * MS);
        String text = InfoReport.render(w, w.peers(850 * MS), Optional.of(Instant.parse("2026-11-22T04:00:00Z")),
                Optional.of(Duration.ofMillis(150)), Optional.empty());
        List<String> lines = text.lines().toList();
        assertEquals("Node        1128bd56-b4d9-4ac6-a7b9-c715b187ce11", lines.get(0));
        assertTrue(lines.contains("Elastic IP  198.51.100.50"), text);
        assertTrue(lines.contains("Priority    10"), text);
        assertTrue(lines.contains("State       MASTER"), text);
        assertTrue(lines.contains("Cloud       ok"), text);
        assertTrue(lines.contains("Interval    0.200s"), text);
        assertTrue(lines.contains("Dead ratio  3"), text);
        assertTrue(lines.contains("Last advert 2026-11-22T04:00:00Z (0.150s ago)"), text);
        assertTrue(lines.contains("Peer 192.0.2.2 id=" + peer + " priority=20 dead last-seen=0.750s ago"), text);
        assertTrue(lines.contains("Peer 192.0.2.3 id=unknown priority=unknown dead last-seen=never"), text);
    }
}

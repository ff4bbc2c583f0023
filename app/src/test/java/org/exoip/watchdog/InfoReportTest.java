package org.exoip.watchdog;

import static org.exoip.watchdog.LivenessTrackerTest.address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.exoip.protocol.Advert;
import org.junit.jupiter.api.Test;

class InfoReportTest {

    private static final long MS = 1_000_000L;
    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
    private static final UUID PEER = UUID.fromString("00000000-0000-4000-8000-000000000002");

    /**
     * Node {@link #SELF} (priority 10, ratio 3), master after hearing {@code heard} (priority 20,
     * id {@link #PEER}) at {@code advertAt}, past the hold-off; {@code silent} is never heard.
     */
    private static Watchdog masterThatHeardOnePeer(Duration interval, String heard, String silent, long advertAt) {
        Inet4Address eip = (Inet4Address) address("198.51.100.50");
        Watchdog w = new Watchdog(new NodeSettings(SELF, eip, 10, interval, 3), a -> false, t -> { });
        w.setPeers(List.of(address(heard), address(silent)));
        w.start(0);
        w.onAdvert(address(heard), new Advert(20, eip, PEER), advertAt, Instant.EPOCH);
        w.evaluate(Math.max(advertAt, 3 * interval.toNanos()) + 100 * MS);
        return w;
    }

    @Test
    void listsTheNodeAndEveryPeer() {
        Watchdog w = masterThatHeardOnePeer(Duration.ofMillis(200), "192.0.2.2", "192.0.2.3", 100 * MS);
        String text = InfoReport.render(w, w.peers(850 * MS), Optional.of(Instant.parse("2026-11-22T04:00:00Z")),
                Optional.of(Duration.ofMillis(150)), Optional.empty(), Optional.empty());
        List<String> lines = text.lines().toList();
        assertEquals("Node        1128bd56-b4d9-4ac6-a7b9-c715b187ce11", lines.get(0));
        assertTrue(lines.contains("Elastic IP  198.51.100.50"), text);
        assertTrue(lines.contains("Priority    10"), text);
        assertTrue(lines.contains("State       MASTER"), text);
        assertTrue(lines.contains("Holders     unknown"), text);
        assertTrue(lines.contains("Cloud       not reached yet"), "no answer yet, so not 'ok': " + text);
        assertTrue(lines.contains("Interval    0.200s"), text);
        assertTrue(lines.contains("Dead ratio  3"), text);
        assertTrue(lines.contains("Last advert 2026-11-22T04:00:00.000Z (0.150s ago)"), text);
        assertTrue(lines.contains("Peer 192.0.2.2 id=" + PEER + " priority=20 dead last-seen=0.750s ago"), text);
        assertTrue(lines.contains("Peer 192.0.2.3 id=unknown priority=unknown dead last-seen=never"), text);
    }

    @Test
    void aNodeOfSeveralAddressesHasALinePerAddressAndEachPeersPriorityPerAddress() {
        Inet4Address first = (Inet4Address) address("198.51.100.50");
        Inet4Address second = (Inet4Address) address("198.51.100.51");
        Watchdog a = masterThatHeardOnePeer(Duration.ofSeconds(1), "192.0.2.11", "192.0.2.12", 3_000 * MS);
        Watchdog b = new Watchdog(new NodeSettings(SELF, second, 30, Duration.ofSeconds(1), 3), x -> false, t -> { });
        b.setPeers(List.of(address("192.0.2.11"), address("192.0.2.12")));
        b.start(0);
        b.onAdvert(address("192.0.2.11"), new Advert(25, second, PEER), 3_000 * MS, Instant.EPOCH);
        b.evaluate(3_412 * MS);
        List<LivenessTracker.PeerStatus> merged = new java.util.ArrayList<>();
        List<LivenessTracker.PeerStatus> ofB = b.peers(3_412 * MS);
        List<LivenessTracker.PeerStatus> ofA = a.peers(3_412 * MS);
        for (int i = 0; i < ofA.size(); i++) {
            merged.add(ofA.get(i).mergedWith(ofB.get(i)));
        }
        String text = InfoReport.render(List.of(
                new InfoReport.Address(a, ofA, Optional.of(Set.of(SELF)), Optional.empty()),
                new InfoReport.Address(b, ofB, Optional.of(Set.of(PEER)), Optional.of("403 for 1.000s (1 call): no"))),
                merged, Optional.empty(), Optional.empty(), new KeptAddresses(List.of(
                        KeptAddresses.KeptAddress.of(first), KeptAddresses.KeptAddress.of(second)), true, false));
        List<String> lines = text.lines().toList();
        assertEquals("Elastic IPs 2 (spread)", lines.get(1), text);
        assertEquals("Elastic IP  198.51.100.50 MASTER priority=10 master=" + SELF + " holders=" + SELF, lines.get(2));
        assertEquals("Elastic IP  198.51.100.51 BACKUP priority=30 master=" + PEER + " holders=" + PEER, lines.get(3));
        assertTrue(lines.contains("Cloud       REFUSED 198.51.100.51: 403 for 1.000s (1 call): no"), text);
        assertTrue(lines.contains("Peer 192.0.2.11 id=" + PEER
                + " priority=198.51.100.50:20,198.51.100.51:25 alive last-seen=0.412s ago"), text);
        assertTrue(lines.contains("Peer 192.0.2.12 id=unknown priority=unknown dead last-seen=never"), text);
    }

    @Test
    void theCloudIsOkOnceItAnsweredAndNotReachedForAnAddressItNeverDid() {
        Watchdog w = masterThatHeardOnePeer(Duration.ofMillis(200), "192.0.2.2", "192.0.2.3", 100 * MS);
        String one = InfoReport.render(w, List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(Set.of()));
        assertTrue(one.lines().toList().contains("Cloud       ok"), one);

        Watchdog b = new Watchdog(new NodeSettings(SELF, (Inet4Address) address("198.51.100.51"), 30,
                Duration.ofSeconds(1), 3), x -> false, t -> { });
        String two = InfoReport.render(List.of(
                new InfoReport.Address(w, List.of(), Optional.of(Set.of()), Optional.empty()),
                new InfoReport.Address(b, List.of(), Optional.empty(), Optional.empty())),
                List.of(), Optional.empty(), Optional.empty(), new KeptAddresses(List.of(
                        KeptAddresses.KeptAddress.of((Inet4Address) address("198.51.100.50")),
                        KeptAddresses.KeptAddress.of((Inet4Address) address("198.51.100.51"))), false, false));
        assertTrue(two.lines().toList().contains("Cloud       not reached yet for 198.51.100.51"), two);
    }

    @Test
    void timesHaveMillisecondsNotNanoseconds() {
        Watchdog w = new Watchdog(new NodeSettings(UUID.randomUUID(), (Inet4Address) address("198.51.100.50"), 10,
                Duration.ofSeconds(1), 3), a -> false, t -> { });
        String text = InfoReport.render(w, List.of(), Optional.of(Instant.parse("2026-11-22T04:00:00.123456789Z")),
                Optional.of(Duration.ofNanos(380_654_321)), Optional.empty(), Optional.empty());
        assertTrue(text.lines().toList().contains("Last advert 2026-11-22T04:00:00.123Z (0.381s ago)"), text);
    }

    /** README's example answer is what this code answers for the node it describes, field for field. */
    @Test
    void readmeShowsWhatInfoAnswers() throws IOException {
        Watchdog w = masterThatHeardOnePeer(Duration.ofSeconds(1), "192.0.2.11", "192.0.2.12", 3_000 * MS);
        String rendered = InfoReport.render(w, w.peers(3_412 * MS),
                Optional.of(Instant.parse("2026-11-22T04:00:00.120Z")), Optional.of(Duration.ofMillis(380)),
                Optional.empty(), Optional.of(Set.of(w.settings().self())))
                // What WatchdogEngine adds: whether the node runs in the election, the keep-warm probe, and for a node without an advert key
                // that dropped nothing, the adverts.
                + "Election    in\n"
                + "Takeover    " + new CloudProbe.Readiness(true, "", 0, 400 * MS, 35 * MS).describe(3_412 * MS)
                + " (every 15.000s)\n"
                + "Adverts     plain (unauthenticated)\nDropped     none\n";
        assertEquals(readmeInfoExample(), rendered);
    }

    /** The indented block after "answers with the node's state:" in README.md, unindented. */
    private static String readmeInfoExample() throws IOException {
        List<String> readme = Files.readAllLines(Path.of(System.getProperty("user.dir")).resolveSibling("README.md"));
        int start = readme.indexOf(readme.stream().filter(l -> l.contains("answers with the node's state:"))
                .findFirst().orElseThrow()) + 2;
        StringBuilder block = new StringBuilder();
        for (String line : readme.subList(start, readme.size())) {
            if (line.isBlank()) {
                break;
            }
            block.append(line.strip()).append('\n');
        }
        return block.toString();
    }
}

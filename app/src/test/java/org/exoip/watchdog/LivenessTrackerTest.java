package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LivenessTrackerTest {

    private static final long MS = 1_000_000L;
    private static final UUID ID = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
    private final InetAddress a = address("192.0.2.1");
    private final InetAddress b = address("192.0.2.2");
    private final LivenessTracker tracker = new LivenessTracker(Duration.ofMillis(3000));

    @Test
    void peersStartDead() {
        tracker.setPeers(List.of(a, b));
        assertEquals(List.of(), tracker.alive(0));
        assertTrue(tracker.statuses(0).stream().noneMatch(LivenessTracker.PeerStatus::alive));
    }

    @Test
    void aliveUntilMoreThanTheTimeoutHasPassed() {
        tracker.setPeers(List.of(a));
        long t0 = 5_000 * MS;
        tracker.observe(a, ID, 10, t0, Instant.EPOCH);
        assertEquals(List.of(new Candidate(ID, 10)), tracker.alive(t0));
        assertEquals(1, tracker.alive(t0 + 3000 * MS).size(), "exactly the timeout: still alive");
        assertEquals(0, tracker.alive(t0 + 3000 * MS + 1).size(), "more than the timeout: dead");
    }

    @Test
    void aStallOfThisNodeGivesThePeersAliveBeforeItUntilTheGivenMoment() {
        tracker.setPeers(List.of(a, b));
        long t0 = 5_000 * MS;
        tracker.observe(a, ID, 10, t0, Instant.EPOCH);
        // Stalled from t0 + 1 s to t0 + 5 s: a was alive when it began, b was never heard.
        long resumed = t0 + 5_000 * MS;
        assertEquals(1, tracker.forgiveStall(t0 + 1_000 * MS, resumed + 500 * MS));
        assertEquals(1, tracker.alive(resumed).size(), "a is not judged on the stall alone");
        assertEquals(resumed + 500 * MS, tracker.nextExpiry(resumed).getAsLong());
        assertEquals(0, tracker.alive(resumed + 500 * MS).size(), "still silent an interval later: dead");
        // Its next advert counts as usual, and the grace is gone with it.
        tracker.observe(a, ID, 10, resumed + 100 * MS, Instant.EPOCH);
        assertEquals(resumed + 3_100 * MS + 1, tracker.nextExpiry(resumed + 100 * MS).getAsLong());
    }

    @Test
    void aPeerDeadBeforeTheStallStaysDead() {
        tracker.setPeers(List.of(a));
        long t0 = 5_000 * MS;
        tracker.observe(a, ID, 10, t0, Instant.EPOCH);
        assertEquals(0, tracker.forgiveStall(t0 + 3_500 * MS, t0 + 9_000 * MS));
        assertEquals(0, tracker.alive(t0 + 8_000 * MS).size());
    }

    @Test
    void worksAcrossNanoTimeOverflow() {
        tracker.setPeers(List.of(a));
        long t0 = Long.MAX_VALUE - MS;
        tracker.observe(a, ID, 10, t0, Instant.EPOCH);
        assertEquals(1, tracker.alive(t0 + 2000 * MS).size());
        assertEquals(0, tracker.alive(t0 + 4000 * MS).size());
    }

    @Test
    void theNextExpiryIsTheFirstMomentAnAlivePeerIsDead() {
        tracker.setPeers(List.of(a, b));
        assertTrue(tracker.nextExpiry(0).isEmpty(), "no peer alive, nothing expires");
        long t0 = 5_000 * MS;
        tracker.observe(a, ID, 1, t0, Instant.EPOCH);
        tracker.observe(b, ID, 1, t0 + 1_000 * MS, Instant.EPOCH);
        long expiry = tracker.nextExpiry(t0).getAsLong();
        assertEquals(t0 + 3_000 * MS + 1, expiry);
        assertEquals(2, tracker.alive(expiry - 1).size());
        assertEquals(1, tracker.alive(expiry).size(), "a is dead at that very moment");
        assertEquals(t0 + 4_000 * MS + 1, tracker.nextExpiry(expiry).getAsLong(), "then b's turn");
        assertTrue(tracker.nextExpiry(t0 + 4_000 * MS + 1).isEmpty());
    }

    @Test
    void theNextExpiryWorksAcrossNanoTimeOverflow() {
        tracker.setPeers(List.of(a, b));
        long t0 = Long.MAX_VALUE - MS;
        tracker.observe(a, ID, 1, t0 + 2 * MS, Instant.EPOCH); // past the overflow
        tracker.observe(b, ID, 1, t0, Instant.EPOCH);
        assertEquals(t0 + 3_000 * MS + 1, tracker.nextExpiry(t0 + 2 * MS).getAsLong());
    }

    @Test
    void unknownSenderIsIgnored() {
        tracker.setPeers(List.of(a));
        assertTrue(tracker.observe(b, ID, 0, 0, Instant.EPOCH).isEmpty());
        assertEquals(List.of(), tracker.alive(0));
        assertFalse(tracker.isPeer(b));
    }

    @Test
    void replacingPeersKeepsWhatWasLearnt() {
        tracker.setPeers(List.of(a));
        tracker.observe(a, ID, 10, 0, Instant.EPOCH);
        tracker.setPeers(List.of(a, b));
        assertEquals(1, tracker.alive(MS).size());
        tracker.setPeers(List.of(b));
        assertEquals(0, tracker.alive(MS).size());
        assertEquals(List.of(b), tracker.addresses());
    }

    @Test
    void refusesANonPositiveTimeout() {
        assertThrows(IllegalArgumentException.class, () -> new LivenessTracker(Duration.ZERO));
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}

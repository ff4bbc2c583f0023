package org.exoip.watchdog;

import static org.exoip.watchdog.LivenessTrackerTest.address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.exoip.health.HealthVerdict;
import org.exoip.protocol.Advert;
import org.junit.jupiter.api.Test;

/** The election and role changes of several nodes, driven with plain numbers for time. */
class WatchdogTest {

    private static final long MS = 1_000_000L;
    private static final Inet4Address EIP = (Inet4Address) address("198.51.100.50");
    private static final Duration INTERVAL = Duration.ofMillis(1000);
    private static final int RATIO = 3;
    /** A tenth of the interval, at most 50 ms: how late an advert may come after the dead time. */
    private static final long LATE_ALLOWANCE = 50 * MS;

    private final Map<InetAddress, Watchdog> nodes = new LinkedHashMap<>();
    private final Map<InetAddress, List<Watchdog.Transition>> transitions = new LinkedHashMap<>();
    private long now = 1_000 * MS;

    private Watchdog node(String ip, String id, int priority) {
        InetAddress self = address(ip);
        List<Watchdog.Transition> seen = new ArrayList<>();
        Watchdog w = new Watchdog(new NodeSettings(UUID.fromString(id), EIP, priority, INTERVAL, RATIO),
                self::equals, seen::add);
        nodes.put(self, w);
        transitions.put(self, seen);
        return w;
    }

    /** Every node lists every node (itself included, as users do with -G) and starts now. */
    private void startAll() {
        for (Watchdog w : nodes.values()) {
            w.setPeers(nodes.keySet());
            w.start(now);
        }
    }

    /** Advances time by whole intervals; each interval every live node adverts to every other. */
    private void run(int intervals, List<Watchdog> silent) {
        for (int i = 0; i < intervals; i++) {
            now += INTERVAL.toNanos();
            for (Map.Entry<InetAddress, Watchdog> from : nodes.entrySet()) {
                if (silent.contains(from.getValue())) {
                    continue;
                }
                Advert advert = from.getValue().advert();
                for (Watchdog to : nodes.values()) {
                    if (to != from.getValue() && !silent.contains(to)) {
                        to.onAdvert(from.getKey(), advert, now, Instant.EPOCH);
                    }
                }
            }
            nodes.values().forEach(w -> w.evaluate(now));
        }
    }

    private void run(int intervals) {
        run(intervals, List.of());
    }

    private long masters() {
        return nodes.values().stream().filter(w -> w.role() == Role.MASTER).count();
    }

    /**
     * Ratio 3 with two adverts lost in a row: the third comes one dead time after the last one
     * heard, a little late. It must still count, or the node tolerates one loss fewer than its
     * ratio says (the test bed's advert-loss scenario saw false failovers at 20 % loss).
     */
    @Test
    void anAdvertJustAfterTheDeadTimeStillCountsWithinTheAllowance() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-00000000000a", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-00000000000b", 20);
        startAll();
        run(RATIO + 1);
        assertEquals(Role.BACKUP, b.role());
        long lastHeard = now;
        now = lastHeard + INTERVAL.toNanos() * RATIO + 20 * MS; // two lost, the third 20 ms late
        b.evaluate(now);
        b.onAdvert(address("192.0.2.1"), a.advert(), now, Instant.EPOCH);
        assertEquals(Role.BACKUP, b.role(), "a is still master for b: " + transitions.get(address("192.0.2.2")));
        now = now + INTERVAL.toNanos() * RATIO + LATE_ALLOWANCE + 1; // silent past the allowance
        b.evaluate(now);
        assertEquals(Role.MASTER, b.role());
    }

    /** The engine times its evaluations from this: the end of the hold-off, then each first expiry. */
    @Test
    void theNextEvaluationIsWhenTimeAloneCanChangeTheDecision() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-00000000000a", 10);
        node("192.0.2.2", "00000000-0000-4000-8000-00000000000b", 20);
        assertTrue(a.nextEvaluation(now).isEmpty(), "not started: nothing to time");
        startAll();
        long holdOffEnd = now + INTERVAL.toNanos() * RATIO + 1;
        assertEquals(holdOffEnd, a.nextEvaluation(now).getAsLong(), "the hold-off first");
        run(RATIO + 1);
        assertEquals(Role.MASTER, a.role());
        long lastHeard = now;
        long deadAt = lastHeard + INTERVAL.toNanos() * RATIO + LATE_ALLOWANCE + 1;
        assertEquals(deadAt, a.nextEvaluation(now).getAsLong(), "then the first moment b, heard last now, is dead");
        now = deadAt;
        a.evaluate(now);
        assertTrue(a.nextEvaluation(now).isEmpty(), "b dead: nothing left to expire");
        a.beginStopping(now);
        assertTrue(a.nextEvaluation(now).isEmpty(), "stopping: time changes nothing");
    }

    @Test
    void noDecisionDuringTheHoldOff() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        startAll();
        a.evaluate(now + INTERVAL.multipliedBy(RATIO).toNanos());
        assertEquals(Role.STARTING, a.role(), "exactly the hold-off: still starting");
        a.evaluate(now + INTERVAL.multipliedBy(RATIO).toNanos() + 1);
        assertEquals(Role.MASTER, a.role());
        assertEquals(1, transitions.get(address("192.0.2.1")).size());
    }

    @Test
    void equalPrioritiesGiveExactlyOneMaster() {
        node("192.0.2.1", "c0000000-0000-4000-8000-000000000000", 10);
        Watchdog b = node("192.0.2.2", "20000000-0000-4000-8000-000000000000", 10);
        node("192.0.2.3", "a0000000-0000-4000-8000-000000000000", 10);
        startAll();
        run(RATIO + 2);
        assertEquals(1, masters());
        assertEquals(Role.MASTER, b.role(), "lowest id bytes win the tie");
        for (Watchdog w : nodes.values()) {
            assertEquals(b.settings().self(), w.decision().master(), "every node names the same master");
        }
    }

    @Test
    void masterDiesAndTheNextBestTakesOverAfterTheDeadTimeout() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 1);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 2);
        Watchdog c = node("192.0.2.3", "00000000-0000-4000-8000-000000000003", 3);
        startAll();
        run(RATIO + 2);
        assertEquals(Role.MASTER, a.role());
        assertEquals(Role.BACKUP, b.role());
        long lastHeard = now;
        run(RATIO, List.of(a));
        assertEquals(Role.BACKUP, b.role(), "silent for exactly ratio x interval: not dead yet");
        b.evaluate(lastHeard + INTERVAL.multipliedBy(RATIO).toNanos() + LATE_ALLOWANCE);
        assertEquals(Role.BACKUP, b.role(), "nor at the end of the allowance for a late advert");
        b.evaluate(lastHeard + INTERVAL.multipliedBy(RATIO).toNanos() + LATE_ALLOWANCE + 1);
        assertEquals(Role.MASTER, b.role());
        run(1, List.of(a));
        assertEquals(Role.BACKUP, c.role());
        assertEquals(b.settings().self(), c.decision().master());
    }

    @Test
    void betterNodeReturningTakesOverAtItsFirstAdvert() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 1);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 2);
        startAll();
        run(RATIO + 2, List.of(a));
        assertEquals(Role.MASTER, b.role());
        run(1);
        assertEquals(Role.BACKUP, b.role(), "b steps back as soon as a is heard again");
        assertEquals(a.settings().self(), b.decision().master());
    }

    @Test
    void priorityChangesMoveTheMaster() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 11);
        startAll();
        run(RATIO + 2);
        assertEquals(Role.MASTER, a.role());
        // SIGUSR1 twice on b: 11 -> 9, better than a.
        b.adjustPriority(-1, now);
        assertEquals(10, b.advert().priority(), "effective in the very next advert");
        b.adjustPriority(-1, now);
        run(1);
        assertEquals(Role.MASTER, b.role());
        assertEquals(Role.BACKUP, a.role());
        // SIGUSR2 on the master until it is worse again.
        b.adjustPriority(+1, now);
        b.adjustPriority(+1, now);
        run(1);
        assertEquals(Role.MASTER, a.role(), "equal priorities again: a wins on id");
        b.adjustPriority(+1, now);
        run(1);
        assertEquals(Role.MASTER, a.role());
        assertEquals(Role.BACKUP, b.role());
    }

    @Test
    void priorityStaysWithinBounds() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 0);
        assertEquals(0, a.adjustPriority(-1, now));
        for (int i = 0; i < 300; i++) {
            a.adjustPriority(+1, now);
        }
        assertEquals(255, a.priority());
    }

    @Test
    void stoppingMasterAdvertisesTheWorstPriorityAndTheBackupTakesOverAtOnce() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 1);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 200);
        startAll();
        run(RATIO + 2);
        assertEquals(Role.MASTER, a.role());
        assertEquals(Role.MASTER, a.beginStopping(now));
        assertEquals(Role.STOPPING, a.role());
        assertEquals(255, a.advert().priority());
        assertNull(a.decision().master());
        b.onAdvert(address("192.0.2.1"), a.advert(), now, Instant.EPOCH);
        assertEquals(Role.MASTER, b.role(), "the backup takes over on the stopping master's next advert");
        a.evaluate(now + INTERVAL.toNanos());
        assertEquals(Role.STOPPING, a.role(), "a stopping node never changes role again");
    }

    @Test
    void nodeIsNeverItsOwnPeer() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        startAll();
        assertEquals(List.of(), a.peerAddresses(), "its own address is filtered from the peer list");
        // Listed under an address that is not its own (through a NAT): nothing tells its own advert
        // coming back from another node's with the same id, so it is reported, never recorded.
        a.setPeers(List.of(address("203.0.113.9")));
        assertEquals(Watchdog.Received.DUPLICATE_ID,
                a.onAdvert(address("203.0.113.9"), a.advert(), now, Instant.EPOCH));
        run(RATIO + 1);
        assertEquals(Role.MASTER, a.role());
    }

    @Test
    void anAdvertSaysWhetherItsSenderCameBackOrChanged() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 20);
        startAll();
        InetAddress fromB = address("192.0.2.2");
        assertEquals(Watchdog.Received.REVIVED, a.onAdvert(fromB, b.advert(), now, Instant.EPOCH), "first advert");
        assertEquals(Watchdog.Received.ACCEPTED, a.onAdvert(fromB, b.advert(), now + MS, Instant.EPOCH), "same again");
        Advert moved = new Advert(21, EIP, b.settings().self());
        assertEquals(Watchdog.Received.CHANGED, a.onAdvert(fromB, moved, now + 2 * MS, Instant.EPOCH), "new priority");
        long afterSilence = now + 2 * MS + INTERVAL.toNanos() * RATIO + LATE_ALLOWANCE + 1;
        assertEquals(Watchdog.Received.REVIVED, a.onAdvert(fromB, moved, afterSilence, Instant.EPOCH),
                "heard again after the dead time (a partition healed, or this node was stopped)");
    }

    @Test
    void advertFromAStrangerIsIgnored() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000002", 10);
        startAll();
        run(RATIO + 1);
        Advert forged = new Advert(0, EIP, UUID.fromString("00000000-0000-4000-8000-000000000001"));
        assertEquals(Watchdog.Received.UNKNOWN_SENDER, a.onAdvert(address("203.0.113.66"), forged, now, Instant.EPOCH));
        assertEquals(Role.MASTER, a.role());
    }

    @Test
    void sideEffectsFireOnlyOnChange() {
        node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 1);
        node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 2);
        startAll();
        run(RATIO + 20);
        for (List<Watchdog.Transition> seen : transitions.values()) {
            assertEquals(1, seen.size(), "one decision, however many ticks: " + seen);
            assertTrue(seen.get(0).roleChanged());
        }
    }

    @Test
    void aSuspendedNodeGoesBackToStartingAndHoldsOffAgainWhenResumed() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        startAll();
        run(RATIO + 1);
        assertEquals(Role.MASTER, a.role());
        a.suspend("not a member of the peer group", now);
        assertEquals(Role.STARTING, a.role());
        assertNull(a.decision().master());
        run(RATIO + 1);
        assertEquals(Role.STARTING, a.role(), "no decision while suspended");
        a.start(now);
        a.evaluate(now + INTERVAL.multipliedBy(RATIO).toNanos());
        assertEquals(Role.STARTING, a.role(), "a fresh hold-off");
        a.evaluate(now + INTERVAL.multipliedBy(RATIO).toNanos() + 1);
        assertEquals(Role.MASTER, a.role());
    }

    @Test
    void anAdvertWithOurIdFromAnotherAddressIsADuplicateNotUs() {
        String id = "00000000-0000-4000-8000-000000000001";
        Watchdog a = node("192.0.2.1", id, 10);
        Watchdog clone = node("192.0.2.2", id, 10);
        startAll();

        assertEquals(Watchdog.Received.DUPLICATE_ID, a.onAdvert(address("192.0.2.2"), clone.advert(), now, Instant.EPOCH));
        assertTrue(a.isPeer(address("192.0.2.2")), "the clone's address stays a peer: it is not this node");
        assertEquals(Watchdog.Received.SELF, a.onAdvert(address("192.0.2.1"), a.advert(), now, Instant.EPOCH),
                "our own address echoing our advert is still ourselves");
    }

    /** One advert from {@code from} to every other node, at the same moment: no time passes. */
    private void advertOnce(Watchdog from) {
        InetAddress sender = nodes.entrySet().stream().filter(e -> e.getValue() == from).findFirst().orElseThrow()
                .getKey();
        for (Watchdog to : nodes.values()) {
            if (to != from) {
                to.onAdvert(sender, from.advert(), now, Instant.EPOCH);
            }
        }
    }

    @Test
    void aYieldThroughTheCloudMakesABackupOfANodeNotHeardUntilItIsHeardOrTheYieldEnds() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 20);
        startAll();
        run(4, List.of(b));
        assertEquals(Role.MASTER, a.role(), "b is silent: a is master");
        UUID bId = b.settings().self();
        a.yieldTo(java.util.Optional.of(bId), now);
        assertEquals(new Decision(Role.BACKUP, a.settings().self(), bId), a.decision());
        assertEquals(java.util.Optional.of(bId), a.yieldedTo());
        run(1, List.of(b));
        assertEquals(Role.BACKUP, a.role(), "still not heard: still yielding");
        run(1);
        assertEquals(Role.MASTER, a.role(), "heard again: the adverts decide (a is better)");
        assertEquals(java.util.Optional.empty(), a.yieldedTo(), "for good: a later silence of b is no yield");
        a.yieldTo(java.util.Optional.of(bId), now);
        a.yieldTo(java.util.Optional.empty(), now);
        assertEquals(Role.MASTER, a.role());
    }

    @Test
    void aNodeYieldedToThatIsHeardAndThenStopsIsFailedOverFrom() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 20);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 10);
        startAll();
        run(4, List.of(b));
        a.yieldTo(java.util.Optional.of(b.settings().self()), now);
        run(2);
        assertEquals(new Decision(Role.BACKUP, a.settings().self(), b.settings().self()), a.decision());
        run(4, List.of(b)); // b frozen: no yield holds a back any more
        assertEquals(Role.MASTER, a.role());
    }

    @Test
    void aStallForgivesThePeersSoNoBackupTakesOverOnTheGapAlone() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-000000000001", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-000000000002", 20);
        startAll();
        run(4);
        assertEquals(Role.BACKUP, b.role());
        long stalledSince = now;
        now += 4 * INTERVAL.toNanos(); // b was stopped past the dead time
        assertEquals(1, b.forgiveStall(stalledSince, now + INTERVAL.toNanos()));
        b.evaluate(now);
        assertEquals(Role.BACKUP, b.role(), "no takeover on the gap alone");
        now += INTERVAL.toNanos() + 1;
        b.evaluate(now);
        assertEquals(Role.MASTER, b.role(), "a still silent an interval after the stall: b takes over");
    }

    private static HealthVerdict failing(String check) {
        return new HealthVerdict(true, List.of("check " + check + " failing"), 0, 0);
    }

    @Test
    void aMasterInFaultAdvertises255AndTheBestHealthyPeerTakesOverOnThatOneAdvert() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-00000000000a", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-00000000000b", 20);
        Watchdog c = node("192.0.2.3", "00000000-0000-4000-8000-00000000000c", 30);
        startAll();
        run(RATIO + 1);
        assertEquals(Role.MASTER, a.role());
        a.setHealth(failing("http http://127.0.0.1/healthz"), now);
        assertEquals(Role.FAULT, a.role());
        assertEquals(b.settings().self(), a.decision().master(), "the best healthy peer is the master to wait for");
        assertEquals(255, a.advert().priority());
        advertOnce(a); // no dead time: the next advert is enough
        assertEquals(Role.MASTER, b.role());
        assertEquals(Role.BACKUP, c.role());
        run(RATIO * 3);
        assertEquals(Role.FAULT, a.role(), "it stays a voter in fault");
        assertEquals(Role.MASTER, b.role());
        a.setHealth(new HealthVerdict(true, List.of(), 0, 0), now);
        advertOnce(a);
        assertEquals(Role.MASTER, a.role(), "back per priority once healthy");
        assertEquals(Role.BACKUP, b.role());
    }

    @Test
    void aNodeInFaultWithNoHealthyPeerIsNoMaster() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-00000000000a", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-00000000000b", 20);
        startAll();
        a.setHealth(failing("tcp 127.0.0.1:80"), now);
        b.setHealth(failing("tcp 127.0.0.1:80"), now);
        assertEquals(255, a.advert().priority(), "during the hold-off already");
        assertEquals(Role.STARTING, a.role());
        run(RATIO + 1);
        assertEquals(Role.FAULT, a.role());
        assertEquals(Role.FAULT, b.role());
        assertNull(a.decision().master(), "a peer advertising 255 is no master");
        assertNull(b.decision().master());
        assertEquals(0, masters());
    }

    @Test
    void aFailingWeightMovesThePriorityAndTheElection() {
        Watchdog a = node("192.0.2.1", "00000000-0000-4000-8000-00000000000a", 10);
        Watchdog b = node("192.0.2.2", "00000000-0000-4000-8000-00000000000b", 20);
        startAll();
        run(RATIO + 1);
        a.setHealth(new HealthVerdict(true, List.of(), 15, 0), now);
        assertEquals(25, a.advert().priority());
        assertEquals(10, a.priority(), "the base priority is unchanged");
        assertEquals(Role.BACKUP, a.role());
        advertOnce(a);
        assertEquals(Role.MASTER, b.role());
        a.setHealth(new HealthVerdict(true, List.of(), 15, -10), now); // the track file moves it back ahead
        advertOnce(a);
        assertEquals(Role.MASTER, a.role());
        assertEquals(Role.BACKUP, b.role());
    }
}

package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.CapturedLog;
import org.exoip.watchdog.CloudReconciler.Outcome;
import org.junit.jupiter.api.Test;

/** Reconcile passes and the hand-over, run synchronously against the in-memory cloud. */
class CloudReconcilerTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID PEER = UUID.fromString("00000000-0000-4000-8000-000000000002");
    private static final UUID OTHER = UUID.fromString("00000000-0000-4000-8000-000000000003");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final AtomicLong clock = new AtomicLong();
    private Runnable onPause = () -> { };
    private final CloudReconciler reconciler = new CloudReconciler(cloud, SELF, Duration.ofSeconds(60),
            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2), clock::get,
            d -> {
                clock.addAndGet(d.toNanos());
                onPause.run();
            },
            r -> {
                throw new AssertionError("no thread in these tests");
            });

    private static Decision master() {
        return new Decision(Role.MASTER, SELF, SELF);
    }

    private static Decision backupOf(UUID master) {
        return new Decision(Role.BACKUP, SELF, master);
    }

    @Test
    void masterAttachesItselfFirstThenDetachesEveryOtherHolder() {
        cloud.setHolders(Set.of(PEER, OTHER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        List<InMemoryElasticIpProvider.Change> journal = cloud.journal();
        assertEquals("attach", journal.get(1).call(), "attach comes before any detach");
        assertTrue(journal.stream().noneMatch(c -> c.holdersAfter().isEmpty()), "never without a holder: " + journal);
    }

    @Test
    void inFaultTheNodeLetsGoOnceTheHealthyMasterHoldsItOrAtOnceWithoutOne() {
        cloud.setHolders(Set.of(SELF));
        assertEquals(Outcome.WAITING, reconciler.reconcile(new Decision(Role.FAULT, SELF, PEER)),
                "never without a holder while a healthy master is coming");
        assertEquals(Set.of(SELF), cloud.currentHolders());
        cloud.setHolders(Set.of(SELF, PEER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(new Decision(Role.FAULT, SELF, PEER)));
        assertEquals(Set.of(PEER), cloud.currentHolders());
        cloud.setHolders(Set.of(SELF));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(new Decision(Role.FAULT, SELF, null)));
        assertEquals(Set.of(), cloud.currentHolders(), "a node in fault never holds it");
    }

    @Test
    void aRefusalIsOneErrorAMinuteKeptUntilAPassSucceeds() {
        try (CapturedLog log = CapturedLog.of(Level.ERROR, CloudReconciler.class)) {
            cloud.refuseNext(4, 403);
            for (int i = 0; i < 3; i++) {
                assertEquals(Outcome.FAILED, reconciler.reconcile(master()));
                clock.addAndGet(Duration.ofSeconds(10).toNanos());
            }
            assertEquals(1, log.events().size(), "one ERROR for three refused passes");
            CloudReconciler.Refusal refusal = reconciler.refusal().orElseThrow();
            assertEquals(403, refusal.status());
            assertEquals(3, refusal.calls());
            assertTrue(refusal.describe(clock.get()).startsWith("403 for 30.000s (3 calls): "),
                    refusal.describe(clock.get()));

            clock.addAndGet(CloudReconciler.REFUSAL_LOG_INTERVAL.toNanos());
            assertEquals(Outcome.FAILED, reconciler.reconcile(master()));
            assertEquals(2, log.events().size(), "said again once the interval has passed");

            assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
            assertEquals(Optional.empty(), reconciler.refusal(), "a pass that succeeds clears it");
        }
    }

    @Test
    void aRefusalEndsWhenTheRefusedCallGoesThroughEvenIfThePassFailsLater() {
        AtomicReference<CloudException> attachFails = new AtomicReference<>(
                new CloudException("attach failed: 503 busy", true));
        ElasticIpProvider flaky = new ElasticIpProvider() {
            @Override
            public Set<UUID> holders() throws CloudException {
                return cloud.holders();
            }

            @Override
            public void attach(UUID instance) throws CloudException {
                if (attachFails.get() != null) {
                    throw attachFails.get();
                }
                cloud.attach(instance);
            }

            @Override
            public void detach(UUID instance) throws CloudException {
                cloud.detach(instance);
            }
        };
        CloudReconciler passes = new CloudReconciler(flaky, SELF, Duration.ofSeconds(60),
                new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2), clock::get, d -> { }, r -> null);
        cloud.setHolders(Set.of(PEER));
        cloud.refuseNext(1, 403);
        assertEquals(Outcome.FAILED, passes.reconcile(master()));
        assertEquals(403, passes.refusal().orElseThrow().status());

        assertEquals(Outcome.FAILED, passes.reconcile(master()), "the read goes through, the attach fails (passing)");
        assertEquals(Optional.empty(), passes.refusal(), "the refused read went through: the refusal is over");

        attachFails.set(new CloudException("attach failed: 403 role", false, 403, null));
        assertEquals(Outcome.FAILED, passes.reconcile(master()));
        assertEquals(Outcome.FAILED, passes.reconcile(master()));
        assertEquals(2, passes.refusal().orElseThrow().calls(), "a read that goes through proves no attach");
    }

    @Test
    void aPassingFailureIsNoRefusal() {
        cloud.failNext(1);
        assertEquals(Outcome.FAILED, reconciler.reconcile(master()));
        assertEquals(Optional.empty(), reconciler.refusal());
    }

    @Test
    void masterAlreadyAloneMakesNoWriteCall() {
        cloud.setHolders(Set.of(SELF));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
        assertEquals(0, cloud.writes());
    }

    @Test
    void backupKeepsTheAddressUntilTheMasterHoldsItThenLeavesTheMasterTimeToDetachIt() {
        cloud.setHolders(Set.of(SELF));
        assertEquals(Outcome.WAITING, reconciler.reconcile(backupOf(PEER)));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        cloud.setHolders(Set.of(SELF, PEER));
        assertEquals(Outcome.WAITING, reconciler.reconcile(backupOf(PEER)), "the master's own detach comes first");
        clock.addAndGet(CloudReconciler.BACKUP_DETACH_GRACE.toNanos() - 1);
        assertEquals(Outcome.WAITING, reconciler.reconcile(backupOf(PEER)));
        assertEquals(0, cloud.writes());
        clock.addAndGet(1);
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(backupOf(PEER)), "the master did not: itself then");
        assertEquals(Set.of(PEER), cloud.currentHolders());
    }

    @Test
    void aBackupTheMasterDetachedMakesNoCall() {
        cloud.setHolders(Set.of(SELF, PEER));
        assertEquals(Outcome.WAITING, reconciler.reconcile(backupOf(PEER)));
        cloud.setHolders(Set.of(PEER)); // the master's detach
        clock.addAndGet(CloudReconciler.BACKUP_DETACH_GRACE.toNanos());
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(backupOf(PEER)));
        assertEquals(0, cloud.writes());
    }

    @Test
    void backupNotHoldingHasNothingToDo() {
        cloud.setHolders(Set.of(PEER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(backupOf(PEER)));
        assertEquals(0, cloud.writes());
    }

    @Test
    void startingAndStoppingTouchNothing() {
        cloud.setHolders(Set.of(PEER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(Decision.starting(SELF)));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(new Decision(Role.STOPPING, SELF, null)));
        assertEquals(0, cloud.calls());
    }

    @Test
    void failingCallsAreReportedThenTheNextPassSucceeds() {
        cloud.failNext(2);
        assertEquals(Outcome.FAILED, reconciler.reconcile(master()));
        assertEquals(Outcome.FAILED, reconciler.reconcile(master()));
        assertEquals(Set.of(), cloud.currentHolders());
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
        assertEquals(Set.of(SELF), cloud.currentHolders());
    }

    @Test
    void anOutsideChangeIsRepairedByTheNextPass() {
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
        cloud.setHolders(Set.of(OTHER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master()));
        assertEquals(Set.of(SELF), cloud.currentHolders());
    }

    @Test
    void handOverWaitsForTheSuccessorWhoseOwnDetachLetsGo() {
        cloud.setHolders(Set.of(SELF));
        int[] polls = {0};
        onPause = () -> {
            if (++polls[0] == 3) {
                cloud.setHolders(Set.of(SELF, PEER)); // the successor attached itself
            } else if (polls[0] == 4) {
                cloud.setHolders(Set.of(PEER)); // and detached every other holder, as a new master does
            }
        };
        assertTrue(reconciler.letGo(true, Duration.ofSeconds(8)));
        assertEquals(Set.of(PEER), cloud.currentHolders());
        assertEquals(4, polls[0]);
        assertEquals(0, cloud.writes(), "one detach of this instance, the successor's: none of ours");
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()), "never without a holder");
    }

    @Test
    void aSuccessorThatHoldsButNeverDetachesUsIsLeftToItAfterAWait() {
        cloud.setHolders(Set.of(SELF, PEER));
        assertTrue(reconciler.letGo(true, Duration.ofSeconds(2)));
        assertEquals(Set.of(PEER), cloud.currentHolders());
        assertEquals(1, cloud.writes());
        assertTrue(clock.get() >= Duration.ofSeconds(2).toNanos(), "waited for the successor's detach first");
    }

    @Test
    void aPeerStoppingTooIsNoSuccessor() {
        cloud.setHolders(Set.of(SELF, PEER));
        int[] polls = {0};
        onPause = () -> {
            if (++polls[0] == 2) {
                cloud.setHolders(Set.of(SELF, PEER, OTHER)); // the real successor
            } else if (polls[0] == 3) {
                cloud.setHolders(Set.of(OTHER));
            }
        };
        assertTrue(reconciler.letGo(Duration.ofSeconds(8),
                () -> new CloudReconciler.HandoverPeers(true, Set.of(PEER))));
        assertEquals(0, cloud.writes(), "neither detached on seeing the stopping peer, nor after the successor's");
        assertEquals(Set.of(OTHER), cloud.currentHolders());
    }

    @Test
    void withOnlyPeersStoppingTooThereIsNoWait() {
        cloud.setHolders(Set.of(SELF, PEER));
        assertTrue(reconciler.letGo(Duration.ofSeconds(8),
                () -> new CloudReconciler.HandoverPeers(false, Set.of(PEER))));
        assertEquals(Set.of(PEER), cloud.currentHolders());
        assertEquals(0, clock.get(), "no waiting");
    }

    @Test
    void handOverWithNoAlivePeerLetsGoAtOnce() {
        cloud.setHolders(Set.of(SELF));
        assertTrue(reconciler.letGo(false, Duration.ofSeconds(8)));
        assertEquals(Set.of(), cloud.currentHolders());
        assertEquals(0, clock.get(), "no waiting");
    }

    @Test
    void handOverGivesUpWaitingAtTheDeadline() {
        cloud.setHolders(Set.of(SELF));
        assertTrue(reconciler.letGo(true, Duration.ofSeconds(2)));
        assertEquals(Set.of(), cloud.currentHolders());
        assertTrue(clock.get() >= Duration.ofSeconds(2).toNanos(), "waited the whole deadline");
    }

    @Test
    void handOverRetriesAFailingDetachThenReportsFailure() {
        cloud.setHolders(Set.of(SELF));
        cloud.failNext(Integer.MAX_VALUE);
        assertFalse(reconciler.letGo(false, Duration.ofSeconds(2)));
        assertTrue(cloud.calls() > 3, "retried before giving up: " + cloud.calls());
    }

    @Test
    void handOverWhenNotHoldingIsDoneAtOnce() {
        cloud.setHolders(Set.of(PEER));
        assertTrue(reconciler.letGo(true, Duration.ofSeconds(8)));
        assertEquals(0, cloud.writes());
    }

    @Test
    void aDecisionOvertakenWhileReadingMakesNoWrite() {
        cloud.setHolders(Set.of(PEER));
        assertEquals(Outcome.SUPERSEDED, reconciler.reconcile(master(), () -> false, false));
        assertEquals(0, cloud.writes());
        assertEquals(Set.of(PEER), cloud.currentHolders());
    }

    @Test
    void aFreshMasterAttachesBeforeReadingTheHolders() {
        cloud.setHolders(Set.of(PEER));
        int callsBefore = cloud.calls();
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, true));
        assertEquals("attach", cloud.journal().get(1).call());
        assertEquals(Set.of(SELF), cloud.currentHolders());
        assertEquals(callsBefore + 3, cloud.calls(), "attach, read, detach the other");
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()));
    }
}

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
            // The passes run on the test's thread; only several detaches at once take threads.
            Thread::new);

    {
        reconciler.useWallClock(this::wallMillis);
    }

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
        assertEquals(List.of("detach", "detach"), journal.subList(2, 4).stream().map(c -> c.call()).toList(),
                "both others detached");
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
        assertEquals(callsBefore + 4, cloud.calls(), "attach, read, detach the other, read again");
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()));
    }

    // ---- ownership rules (issue 21) ------------------------------------------------------------

    /** The in-memory cloud, with a hook run after each write: another node acting at that moment. */
    private static class Interfering implements org.exoip.cloud.ElasticIpProvider {
        final InMemoryElasticIpProvider cloud;
        java.util.function.BiConsumer<String, UUID> afterWrite = (call, instance) -> { };

        Interfering(InMemoryElasticIpProvider cloud) {
            this.cloud = cloud;
        }

        @Override
        public Set<UUID> holders() throws org.exoip.cloud.CloudException {
            return cloud.holders();
        }

        @Override
        public void attach(UUID instance) throws org.exoip.cloud.CloudException {
            cloud.attach(instance);
            afterWrite.accept("attach", instance);
        }

        @Override
        public void detach(UUID instance) throws org.exoip.cloud.CloudException {
            cloud.detach(instance);
            afterWrite.accept("detach", instance);
        }

        @Override
        public Optional<org.exoip.cloud.Claim> readClaim() throws org.exoip.cloud.CloudException {
            return cloud.readClaim();
        }

        @Override
        public void writeClaim(org.exoip.cloud.Claim claim) throws org.exoip.cloud.CloudException {
            cloud.writeClaim(claim);
        }
    }

    private CloudReconciler reconcilerOf(org.exoip.cloud.ElasticIpProvider provider, UUID self) {
        CloudReconciler made = new CloudReconciler(provider, self, Duration.ofSeconds(60),
                new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2), clock::get, d -> clock.addAndGet(d.toNanos()),
                r -> {
                    throw new AssertionError("no thread in these tests");
                });
        made.useWallClock(this::wallMillis);
        return made;
    }

    /** The wall clock of these tests: the monotonic one, from an arbitrary date. */
    private long wallMillis() {
        return 1_700_000_000_000L + clock.get() / 1_000_000;
    }

    @Test
    void aMasterWhoseAttachIsUndoneAtOnceNeverDetachesAnyoneElse() {
        Interfering cloudAgainst = new Interfering(cloud);
        // Another node detaches this one right after each of its attaches.
        cloudAgainst.afterWrite = (call, instance) -> {
            if (call.equals("attach") && instance.equals(SELF)) {
                cloud.setHolders(Set.of(PEER));
            }
        };
        cloud.setHolders(Set.of(PEER));
        CloudReconciler master = reconcilerOf(cloudAgainst, SELF);
        assertEquals(Outcome.FAILED, master.reconcile(master(), () -> true, true));
        assertTrue(cloud.journal().stream().noneMatch(c -> c.call().equals("detach") && c.instance().equals(PEER)),
                "PEER detached although this node never held the address: " + cloud.journal());
        assertEquals(Set.of(PEER), cloud.currentHolders(), "never without a holder");
    }

    @Test
    void aMasterUndoneWhileLettingGoOfOthersSeesItAndAttachesAgain() {
        Interfering cloudAgainst = new Interfering(cloud);
        boolean[] once = {true};
        // While this node detaches PEER, another one detaches this node: nobody holds it.
        cloudAgainst.afterWrite = (call, instance) -> {
            if (call.equals("detach") && instance.equals(PEER) && once[0]) {
                once[0] = false;
                cloud.setHolders(Set.of());
            }
        };
        cloud.setHolders(Set.of(SELF, PEER));
        CloudReconciler master = reconcilerOf(cloudAgainst, SELF);
        assertEquals(Outcome.CONVERGED, master.reconcile(master()));
        assertEquals(Set.of(SELF), cloud.currentHolders(), "the holders read again after letting go, and mended");
    }

    @Test
    void anAttachMadeForAMomentAsMasterIsUndoneAtOnceWhenTheMasterHoldsIt() {
        cloud.setHolders(Set.of(PEER));
        boolean[] master = {true};
        Interfering cloudAgainst = new Interfering(cloud);
        // The node drops back to backup while its attach is under way.
        cloudAgainst.afterWrite = (call, instance) -> master[0] = false;
        CloudReconciler node = reconcilerOf(cloudAgainst, SELF);
        assertEquals(Outcome.SUPERSEDED, node.reconcile(master(), () -> master[0], true));
        assertEquals(Set.of(PEER, SELF), cloud.currentHolders());
        assertEquals(Outcome.CONVERGED, node.reconcile(backupOf(PEER), () -> true, true));
        assertEquals(Set.of(PEER), cloud.currentHolders(), "undone at once, not after the grace of "
                + CloudReconciler.BACKUP_DETACH_GRACE.toSeconds() + " s");
    }

    @Test
    void noAttachGoesOutForAMasterDecisionAlreadyOvertaken() {
        cloud.setHolders(Set.of(PEER));
        assertEquals(Outcome.SUPERSEDED, reconciler.reconcile(master(), () -> false, true));
        assertEquals(0, cloud.writes());
    }

    /** Two masters that cannot hear each other, one cloud with claims: the last takeover stands. */
    @Test
    void aMasterThatFindsANewerClaimByANodeItCannotHearYieldsInsteadOfFighting() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(OTHER));
        List<Optional<UUID>> yieldsOfA = new java.util.ArrayList<>();
        List<Optional<UUID>> yieldsOfB = new java.util.ArrayList<>();
        CloudReconciler a = reconcilerOf(cloud, SELF);
        CloudReconciler b = reconcilerOf(cloud, PEER);
        CloudReconciler.PeerView nobodyHeard = new CloudReconciler.PeerView(Set.of(), true);
        a.useClaims(Duration.ofSeconds(2), () -> nobodyHeard, yieldsOfA::add);
        b.useClaims(Duration.ofSeconds(2), () -> nobodyHeard, yieldsOfB::add);

        assertEquals(Outcome.CONVERGED, a.reconcile(master(), () -> true, true));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        assertEquals(Outcome.WAITING, b.reconcile(new Decision(Role.MASTER, PEER, PEER), () -> true, true),
                "A's claim is live (written just now): B leaves A to let go rather than detach it");
        assertEquals(Set.of(SELF, PEER), cloud.currentHolders());
        assertEquals(2, cloud.currentClaim().orElseThrow().term(), "the later takeover's claim stands");

        assertEquals(Outcome.WAITING, a.reconcile(master(), () -> true, false), "A yields: no attach, no detach");
        assertEquals(List.of(Optional.of(PEER)), yieldsOfA);
        assertEquals(Outcome.CONVERGED, a.reconcile(backupOf(PEER), () -> true, true), "and lets go at once");
        assertEquals(Set.of(PEER), cloud.currentHolders());
        assertEquals(Outcome.CONVERGED, b.reconcile(new Decision(Role.MASTER, PEER, PEER), () -> true, false));
        assertEquals(Set.of(PEER), cloud.currentHolders());
        assertTrue(yieldsOfB.isEmpty());

        // B renews its claim while it cannot hear A; A, reading it, keeps yielding.
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        assertEquals(Outcome.CONVERGED, b.reconcile(new Decision(Role.MASTER, PEER, PEER), () -> true, false));
        assertEquals(Outcome.CONVERGED, a.reconcile(backupOf(PEER), () -> true, false));
        assertEquals(1, yieldsOfA.size(), "still yielding: " + yieldsOfA);

        // B stops renewing (dead, or cut off from the API): after three periods A stops yielding.
        clock.addAndGet(Duration.ofSeconds(7).toNanos());
        a.reconcile(backupOf(PEER), () -> true, false);
        assertEquals(List.of(Optional.of(PEER), Optional.empty()), yieldsOfA);
        assertEquals(Optional.empty(), a.yieldedTo());
        // The takeover that follows wins, with a newer term.
        assertEquals(Outcome.CONVERGED, a.reconcile(master(), () -> true, true));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        assertEquals(SELF, cloud.currentClaim().orElseThrow().owner());
        assertTrue(cloud.currentClaim().orElseThrow().term() > 2);
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()),
                "never without a holder: " + cloud.journal());
    }

    @Test
    void aRivalThatDoesNotLetGoIsDetachedAfterItsWindow() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(PEER));
        cloud.setClaim(new org.exoip.cloud.Claim(3, PEER, wallMillis()));
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(), true), y -> { });
        assertEquals(Outcome.WAITING, reconciler.reconcile(master(), () -> true, true));
        assertEquals(Set.of(SELF, PEER), cloud.currentHolders());
        clock.addAndGet(CloudReconciler.RIVAL_YIELD.toNanos());
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, false));
        assertEquals(Set.of(SELF), cloud.currentHolders(), "two holders for the rival's window at most");
    }

    @Test
    void aTakeoverUnderWayByANodeHeardAliveIsNoRival() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(PEER));
        cloud.setClaim(new org.exoip.cloud.Claim(3, PEER, wallMillis()));
        // A planned hand-over right after PEER took over: PEER is heard, it lets go through the adverts.
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(PEER), false), y -> { });
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, true));
        assertEquals(Set.of(SELF), cloud.currentHolders());
    }

    @Test
    void aFailoverDetachesAnOldClaimsOwnerAtOnce() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(PEER));
        cloud.setClaim(new org.exoip.cloud.Claim(3, PEER, wallMillis() - 60_000));
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(), true), y -> { });
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, true));
        assertEquals(Set.of(SELF), cloud.currentHolders());
    }

    @Test
    void aClaimLeftByANodeHeardAliveIsTakenOverNotYieldedTo() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(PEER));
        cloud.setClaim(new org.exoip.cloud.Claim(7, PEER, 1));
        List<Optional<UUID>> yields = new java.util.ArrayList<>();
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(PEER), false), yields::add);
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, true));
        assertEquals(new org.exoip.cloud.Claim(8, SELF, cloud.currentClaim().orElseThrow().stamp()),
                cloud.currentClaim().orElseThrow());
        // A later pass finds a newer claim by PEER, which it hears (a backup now): takes over again.
        cloud.setClaim(new org.exoip.cloud.Claim(9, PEER, 2));
        cloud.setHolders(Set.of(SELF, PEER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, false));
        assertEquals(SELF, cloud.currentClaim().orElseThrow().owner());
        assertEquals(10, cloud.currentClaim().orElseThrow().term());
        assertEquals(Set.of(SELF), cloud.currentHolders());
        assertTrue(yields.isEmpty());
    }

    @Test
    void aMasterRenewsItsClaimOnlyWhileAPeerIsOutOfHearing() {
        cloud.keepClaims();
        boolean[] contested = {false};
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(PEER), contested[0]),
                yielded -> { });
        reconciler.reconcile(master(), () -> true, true);
        org.exoip.cloud.Claim first = cloud.currentClaim().orElseThrow();
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        int writes = cloud.writes();
        reconciler.reconcile(master(), () -> true, false);
        assertEquals(writes, cloud.writes(), "everyone heard: no renewal");
        contested[0] = true;
        reconciler.reconcile(master(), () -> true, false);
        org.exoip.cloud.Claim renewed = cloud.currentClaim().orElseThrow();
        assertEquals(first.term(), renewed.term());
        assertTrue(renewed.stamp() > first.stamp(), "a renewal is a new value");
    }

    @Test
    void aKeyThatMayNotWriteTheClaimTurnsClaimsOffAndTheTakeoverStillCompletes() {
        cloud.keepClaims();
        cloud.setHolders(Set.of(PEER));
        Interfering refusingClaims = new Interfering(cloud) {
            @Override
            public void writeClaim(org.exoip.cloud.Claim claim) throws org.exoip.cloud.CloudException {
                throw new org.exoip.cloud.CloudException("update Elastic IP failed: 403 forbidden", false, 403, null);
            }
        };
        CloudReconciler master = reconcilerOf(refusingClaims, SELF);
        master.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(), true), y -> { });
        try (CapturedLog log = CapturedLog.of(Level.ERROR, CloudReconciler.class)) {
            assertEquals(Outcome.CONVERGED, master.reconcile(master(), () -> true, true));
            assertEquals(Set.of(SELF), cloud.currentHolders());
            assertEquals(Outcome.CONVERGED, master.reconcile(master(), () -> true, false));
            assertEquals(1, log.events().size(), "said once: " + log.events());
            assertTrue(log.events().get(0).getMessage().getFormattedMessage().contains("claims are off"));
        }
    }

    @Test
    void afterTakingOverFromAHeardNodeTheMasterRenewsSoThatItsYieldHolds() {
        cloud.keepClaims();
        reconciler.useClaims(Duration.ofSeconds(2), () -> new CloudReconciler.PeerView(Set.of(PEER), false), y -> { });
        reconciler.reconcile(master(), () -> true, true);
        // PEER, which this node hears but which cannot hear it (one-way loss), took the address.
        cloud.setClaim(new org.exoip.cloud.Claim(5, PEER, wallMillis() - 60_000, 3));
        cloud.setHolders(Set.of(SELF, PEER));
        assertEquals(Outcome.CONVERGED, reconciler.reconcile(master(), () -> true, false));
        org.exoip.cloud.Claim taken = cloud.currentClaim().orElseThrow();
        assertEquals(SELF, taken.owner());
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        reconciler.reconcile(master(), () -> true, false);
        assertEquals(1, cloud.currentClaim().orElseThrow().renewals(),
                "renewed although everyone is heard: PEER yields to it only while it changes");
    }
}

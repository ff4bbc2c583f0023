package org.exoip.watchdog;

import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.AbandonedCallException;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;

/**
 * Makes the cloud match the node's decision, on a thread of its own so that adverts and liveness
 * never wait for the cloud API.
 *
 * <ul>
 *   <li>MASTER: attach the Elastic IP to self first, then detach it from every other holder, so
 *       that it is never without a holder during a change of master.</li>
 *   <li>BACKUP: let go of the Elastic IP only once the elected master holds it. The master
 *       detaches every other holder right after its attach; a backup that still holds the address
 *       {@link #BACKUP_DETACH_GRACE} after it saw the master hold it detaches itself, which covers
 *       a master whose detach failed without the two of them detaching the same instance.</li>
 *   <li>FAULT: as BACKUP when a healthy peer is master, but without the grace: its service is
 *       down; with none alive, let go of the Elastic IP at once: a node in fault never holds it, as
 *       keepalived's FAULT state drops its addresses.</li>
 *   <li>STARTING: touch nothing; a restarting node keeps what it holds until it knows better.</li>
 * </ul>
 *
 * <p>A failed or unfinished step is retried with back-off until the cloud matches; once it does,
 * the decision is re-asserted every reconcile interval, which repairs outside changes. A new
 * decision interrupts any wait. {@link #decide} may be called from any thread and never blocks.
 *
 * <p>A call the cloud refuses for good ({@link CloudException#refusal()}: 401, 403, 404; or
 * {@link CloudException#certificate()}: this node refuses the endpoint's TLS certificate) is
 * retried at the same back-off, since an operator may mend the key's role at any time, but it is
 * not a passing fault: it is logged at ERROR (again every {@link #REFUSAL_LOG_INTERVAL} while it
 * lasts) and kept in {@link #refusal()} for the health check, the metrics and {@code info}, until
 * the refused call (or a whole pass) succeeds.
 */
public final class CloudReconciler implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(CloudReconciler.class);

    /** How a reconcile pass ended. */
    public enum Outcome {
        /** The cloud matches the decision. */
        CONVERGED,
        /** Nothing failed, but the cloud is not there yet (a backup waiting for the master). */
        WAITING,
        /** A call failed; try again after a back-off. */
        FAILED,
        /**
         * A newer decision or a recheck arrived during the pass; it was abandoned before any
         * further write (a read in flight is abandoned too), and a new pass starts at once.
         */
        SUPERSEDED
    }

    private final ElasticIpProvider provider;
    private final UUID self;
    private final Duration reconcileInterval;
    private final Backoff backoff;
    private final LongSupplier nanoClock;
    private final Pause pause;
    private final AtomicReference<Decision> latest;
    private final LinkedBlockingQueue<Object> wakeups = new LinkedBlockingQueue<>();
    private final ThreadFactory threads;
    private Thread thread;
    private volatile HandoverRequest handover;
    private volatile boolean closed;

    /** Waits between two polls of a hand-over; tests pass one that moves their clock instead. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    /** While the cloud refuses us, the ERROR line is repeated this often; the retries between log at DEBUG. */
    static final Duration REFUSAL_LOG_INTERVAL = Duration.ofMinutes(1);

    /**
     * The cloud refusing this node's calls: the status and message of the last refused call, since
     * when (monotonic nanos) and how many calls in a row were refused. Status 0: not an HTTP answer
     * but the endpoint's TLS certificate, refused by this node.
     */
    public record Refusal(int status, String reason, long sinceNanos, long calls) {
        /** E.g. {@code "403 for 12.000s (3 calls): attach ... failed: 403 ..."}. */
        public String describe(long nowNanos) {
            return String.format(Locale.ROOT, "%s for %.3fs (%d call%s): %s", kind(), (nowNanos - sinceNanos) / 1e9,
                    calls, calls == 1 ? "" : "s", reason);
        }

        /** The HTTP status, or {@code certificate} for a refused TLS certificate. */
        public String kind() {
            return status == 0 ? "certificate" : Integer.toString(status);
        }
    }

    /**
     * How long a backup that still holds the Elastic IP leaves the master, once it holds it too, to
     * detach this instance before doing it itself: the master's detach normally comes within a
     * round trip of its attach, and the same detach twice is a wasted call (and a failed one).
     */
    static final Duration BACKUP_DETACH_GRACE = Duration.ofSeconds(5);

    /** The master this backup saw holding the Elastic IP beside it, and since when (reconcile thread only). */
    private UUID graceFor;
    private long graceSinceNanos;

    /** The holders the cloud last showed, as changed by this node's writes since; null before the first read. */
    private volatile Set<UUID> lastHolders;

    /** The current refusal, or null; written on the reconcile thread only. */
    private volatile Refusal refusal;
    /** When the last ERROR line about a refusal was logged (reconcile thread only). */
    private long refusalLoggedNanos;

    /** How often a stopping master polls for its successor: fast at first, a hand-over waits on it. */
    static final Backoff HANDOVER_POLL = new Backoff(Duration.ofMillis(20), Duration.ofMillis(500), 0.0);

    public CloudReconciler(ElasticIpProvider provider, UUID self, Duration reconcileInterval, Backoff backoff,
            LongSupplier nanoClock, ThreadFactory threads) {
        this(provider, self, reconcileInterval, backoff, nanoClock, d -> TimeUnit.NANOSECONDS.sleep(d.toNanos()), threads);
    }

    public CloudReconciler(ElasticIpProvider provider, UUID self, Duration reconcileInterval, Backoff backoff,
            LongSupplier nanoClock, Pause pause, ThreadFactory threads) {
        this.provider = clearingRefusals(Objects.requireNonNull(provider, "provider"));
        this.self = Objects.requireNonNull(self, "self");
        this.reconcileInterval = reconcileInterval;
        this.backoff = backoff;
        this.nanoClock = nanoClock;
        this.pause = pause;
        this.latest = new AtomicReference<>(Decision.starting(self));
        this.threads = threads;
    }

    /** Starts the reconcile thread. */
    public synchronized void start() {
        thread = threads.newThread(this::run);
        thread.start();
    }

    /** Hands a new decision to the reconciler; returns at once. */
    public void decide(Decision decision) {
        latest.set(decision);
        wakeups.offer(decision);
        provider.abandonRead();
    }

    /**
     * Runs a pass for the current decision now instead of at the next reconcile interval: reads
     * the holders and writes what differs. Returns at once; {@code why} is logged.
     */
    public void recheck(String why) {
        LOG.info("Checking the Elastic IP's holders now: {}", why);
        wakeups.offer(why);
        provider.abandonRead();
    }

    /**
     * What a stopping master knows of its peers during a hand-over, asked again at every poll: whether
     * an alive peer that is not stopping itself could still take over, and the peers that are
     * stopping too (alive and advertising {@link Priority#WORST}), which are no successors.
     */
    public record HandoverPeers(boolean successorPossible, Set<UUID> stopping) {
        public HandoverPeers {
            stopping = Set.copyOf(stopping);
        }
    }

    /** {@link #handOver(Duration, Supplier)} with a fixed view: a successor expected or not, no peer stopping. */
    public CompletableFuture<Boolean> handOver(boolean successorExpected, Duration waitForSuccessor) {
        return handOver(waitForSuccessor, () -> new HandoverPeers(successorExpected, Set.of()));
    }

    /**
     * Lets go of the Elastic IP for a clean stop: waits until a successor holds it (at most
     * {@code waitForSuccessor}; not at all while {@code peers} says no successor is possible), then
     * waits for the successor's own detach of this instance, as a new master detaches every other
     * holder (at most {@code waitForSuccessor} again), and detaches self only when that did not
     * come. Completes with true when self no longer holds it, false when that failed.
     */
    public CompletableFuture<Boolean> handOver(Duration waitForSuccessor, Supplier<HandoverPeers> peers) {
        HandoverRequest request = new HandoverRequest(peers, waitForSuccessor, new CompletableFuture<>());
        handover = request;
        wakeups.offer(request);
        provider.abandonRead();
        return request.done;
    }

    private void run() {
        int attempt = 0;
        Decision actedOn = null;
        while (!closed) {
            HandoverRequest request = handover;
            if (request != null) {
                request.done.complete(letGo(request.waitForSuccessor, request.peers));
                return;
            }
            Decision decision = latest.get();
            boolean fresh = !decision.equals(actedOn);
            actedOn = decision;
            Outcome outcome = reconcile(decision, () -> latest.get() == decision, fresh);
            if (outcome == Outcome.SUPERSEDED) {
                // The pass that follows serves whatever woke this one up.
                wakeups.clear();
                attempt = 0;
                continue;
            }
            Duration wait;
            if (outcome == Outcome.CONVERGED) {
                attempt = 0;
                wait = reconcileInterval;
            } else {
                wait = backoff.delay(attempt++, ThreadLocalRandom.current()::nextDouble);
            }
            if (!awaitWakeup(wait)) {
                return;
            }
            if (latest.get() != decision) {
                attempt = 0;
            }
        }
    }

    /** Waits for a new decision, a hand-over or the delay; false when interrupted (closing). */
    private boolean awaitWakeup(Duration wait) {
        try {
            if (wakeups.poll(wait.toNanos(), TimeUnit.NANOSECONDS) != null) {
                wakeups.clear();
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One reconcile pass for {@code decision}: reads the holders, then acts. Runs on the calling thread. */
    public Outcome reconcile(Decision decision) {
        return reconcile(decision, () -> true, false);
    }

    /**
     * One reconcile pass that checks {@code current} before every write, so that a decision
     * overtaken while the holders were being read (a node that was master for a moment at start)
     * causes no write.
     *
     * @param fresh the first pass for this decision: a new master then attaches before reading
     *     the holders, since a failover waits on that attach; later passes read first and write
     *     only what differs
     */
    Outcome reconcile(Decision decision, BooleanSupplier current, boolean fresh) {
        if (decision.role() == Role.STARTING || decision.role() == Role.STOPPING) {
            return Outcome.CONVERGED;
        }
        try {
            if (fresh && decision.role() == Role.MASTER) {
                LOG.info("Attaching the Elastic IP to this instance (new master)");
                provider.attach(self);
            }
            Set<UUID> holders = provider.holders();
            lastHolders = Set.copyOf(holders);
            if (!current.getAsBoolean()) {
                return Outcome.SUPERSEDED;
            }
            Outcome outcome = decision.role() == Role.MASTER ? reconcileMaster(holders, current)
                    : decision.master() == null ? reconcileFaultAlone(holders)
                    : reconcileBackup(holders, decision.master(), decision.role() == Role.BACKUP);
            if (outcome != Outcome.SUPERSEDED) {
                accepted();
            }
            return outcome;
        } catch (AbandonedCallException e) {
            LOG.debug("Reading the holders again: {}", e.getMessage());
            return Outcome.SUPERSEDED;
        } catch (CloudException e) {
            if (e.refusal().isPresent() || e.certificate()) {
                refused(decision.role(), e.refusal().orElse(0), e.getMessage());
            } else {
                LOG.warn("Reconciling as {} failed, will retry: {}", decision.role(), e.getMessage());
            }
            return Outcome.FAILED;
        }
    }

    /**
     * The cloud's refusal of this node's calls while it lasts: from a refused call (401, 403, 404)
     * until a call of the same kind, or a whole reconcile pass, succeeds. Any thread.
     */
    public Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** The instances the cloud last said hold the Elastic IP, with this node's writes since; any thread. */
    public Optional<Set<UUID>> lastHolders() {
        return Optional.ofNullable(lastHolders);
    }

    /** Records a write of this node's that went through. */
    private void wrote(UUID instance, boolean attached) {
        Set<UUID> now = new HashSet<>(lastHolders == null ? Set.of() : lastHolders);
        if (attached) {
            now.add(instance);
        } else {
            now.remove(instance);
        }
        lastHolders = Set.copyOf(now);
    }

    private void refused(Role role, int status, String reason) {
        long now = nanoClock.getAsLong();
        Refusal before = refusal;
        Refusal updated = new Refusal(status, reason, before == null ? now : before.sinceNanos(),
                before == null ? 1 : before.calls() + 1);
        refusal = updated;
        boolean due = now - refusalLoggedNanos >= REFUSAL_LOG_INTERVAL.toNanos();
        if (before == null || before.status() != status || due) {
            refusalLoggedNanos = now;
            LOG.error("The cloud refuses this node's calls as {} ({}); retrying at the usual back-off, and saying so"
                    + " again every {} s while it lasts: {}", role, updated.kind(), REFUSAL_LOG_INTERVAL.toSeconds(),
                    updated.describe(now));
        } else {
            LOG.debug("Still refused, will retry: {}", reason);
        }
    }

    /** The kind of call ({@code holders}, {@code attach}, {@code detach}) the cloud last refused. */
    private volatile String refusedCall;

    /** A call of the provider, for {@link #outcome}. */
    @FunctionalInterface
    private interface CloudCall<T> {
        T run() throws CloudException;
    }

    /**
     * {@code cloud}, with each call's outcome noted: once a call of the kind the cloud refused
     * goes through, the refusal is over at once, not only at the end of a pass that succeeds as a
     * whole (the pass may still fail for a passing reason, and the health check would report the
     * old refusal until the next one). A call of another kind proves nothing about the refused one.
     */
    private ElasticIpProvider clearingRefusals(ElasticIpProvider cloud) {
        return new ElasticIpProvider() {
            @Override
            public Set<UUID> holders() throws CloudException {
                return outcome("holders", cloud::holders);
            }

            @Override
            public void attach(UUID instance) throws CloudException {
                outcome("attach", () -> {
                    cloud.attach(instance);
                    return null;
                });
            }

            @Override
            public void detach(UUID instance) throws CloudException {
                outcome("detach", () -> {
                    cloud.detach(instance);
                    return null;
                });
            }

            @Override
            public void probe() throws CloudException {
                cloud.probe();
            }

            @Override
            public void abandonRead() {
                cloud.abandonRead();
            }
        };
    }

    private <T> T outcome(String call, CloudCall<T> body) throws CloudException {
        try {
            T value = body.run();
            if (refusal != null && call.equals(refusedCall)) {
                accepted();
            }
            return value;
        } catch (CloudException e) {
            if (e.refusal().isPresent() || e.certificate()) {
                refusedCall = call;
            }
            throw e;
        }
    }

    /** A pass went through, or the refused call did: whatever refusal there was is over. */
    private void accepted() {
        Refusal before = refusal;
        if (before != null) {
            refusal = null;
            LOG.info("The cloud accepts this node's calls again, after refusing them with {}", before.describe(
                    nanoClock.getAsLong()));
        }
    }

    private Outcome reconcileMaster(Set<UUID> holders, BooleanSupplier current) throws CloudException {
        if (!holders.contains(self)) {
            LOG.info("Attaching the Elastic IP to this instance (holders now: {})", describe(holders));
            provider.attach(self);
            wrote(self, true);
        }
        Set<UUID> others = new HashSet<>(holders);
        others.remove(self);
        for (UUID other : others) {
            if (!current.getAsBoolean()) {
                return Outcome.SUPERSEDED;
            }
            LOG.info("Detaching the Elastic IP from {}: only the master may hold it", other);
            provider.detach(other);
            wrote(other, false);
        }
        return Outcome.CONVERGED;
    }

    private Outcome reconcileBackup(Set<UUID> holders, UUID master, boolean grace) throws CloudException {
        if (!holders.contains(self)) {
            graceFor = null;
            return Outcome.CONVERGED;
        }
        if (!holders.contains(master)) {
            graceFor = null;
            LOG.debug("Keeping the Elastic IP until master {} holds it", master);
            return Outcome.WAITING;
        }
        long now = nanoClock.getAsLong();
        if (!master.equals(graceFor)) {
            graceFor = master;
            graceSinceNanos = now;
        }
        if (grace && now - graceSinceNanos < BACKUP_DETACH_GRACE.toNanos()) {
            LOG.debug("Master {} holds the Elastic IP too: leaving it to detach this instance", master);
            return Outcome.WAITING;
        }
        LOG.info(grace ? "Detaching the Elastic IP from this instance: master {} holds it, and has not detached "
                + "this instance within " + BACKUP_DETACH_GRACE.toSeconds() + " s"
                : "Detaching the Elastic IP from this instance: master {} holds it", master);
        provider.detach(self);
        wrote(self, false);
        graceFor = null;
        return Outcome.CONVERGED;
    }

    /** In fault with no healthy peer alive to take over: the Elastic IP goes from this instance now. */
    private Outcome reconcileFaultAlone(Set<UUID> holders) throws CloudException {
        if (holders.contains(self)) {
            LOG.warn("Detaching the Elastic IP from this instance: in fault, and no healthy peer is alive to take it");
            provider.detach(self);
            wrote(self, false);
        }
        return Outcome.CONVERGED;
    }

    /** {@link #letGo(Duration, Supplier)} with a fixed view: a successor expected or not, no peer stopping. */
    public boolean letGo(boolean successorExpected, Duration waitForSuccessor) {
        return letGo(waitForSuccessor, () -> new HandoverPeers(successorExpected, Set.of()));
    }

    /**
     * The hand-over itself, on the calling thread (see {@link #handOver(Duration, Supplier)}).
     * Returns true when self no longer holds the Elastic IP.
     */
    public boolean letGo(Duration waitForSuccessor, Supplier<HandoverPeers> peers) {
        long start = nanoClock.getAsLong();
        long successorDeadline = start + waitForSuccessor.toNanos();
        // Past the wait for a successor, keep trying to detach for as long again before giving up.
        long finalDeadline = successorDeadline + waitForSuccessor.toNanos();
        long detachDeadline = 0;
        boolean successorSeen = false;
        int attempt = 0;
        while (true) {
            long now = nanoClock.getAsLong();
            try {
                Set<UUID> holders = provider.holders();
                lastHolders = Set.copyOf(holders);
                if (!holders.contains(self)) {
                    if (successorSeen) {
                        LOG.info("The successor detached the Elastic IP from this instance: let go");
                    }
                    return true;
                }
                HandoverPeers view = peers.get();
                Set<UUID> others = new HashSet<>(holders);
                others.remove(self);
                Set<UUID> successors = new HashSet<>(others);
                successors.removeAll(view.stopping());
                Set<UUID> stopping = new HashSet<>(others);
                stopping.retainAll(view.stopping());
                String why = null;
                if (!view.successorPossible()) {
                    why = "no alive peer to take it" + (stopping.isEmpty() ? ""
                            : "; " + describe(stopping) + " holding it too " + (stopping.size() == 1 ? "is" : "are")
                                    + " stopping");
                } else if (!successors.isEmpty()) {
                    if (!successorSeen) {
                        // The new master detaches every other holder right after its attach: that
                        // detach of this instance is the one needed, a second one of ours would not be.
                        successorSeen = true;
                        detachDeadline = now + waitForSuccessor.toNanos();
                        LOG.info("Successor {} holds the Elastic IP: waiting for it to detach this instance",
                                describe(successors));
                    } else if (now - detachDeadline >= 0) {
                        why = "successor " + describe(successors) + " holds it but did not detach this instance in "
                                + waitForSuccessor.toMillis() + " ms";
                    }
                } else if (now - successorDeadline >= 0) {
                    why = "no successor took it in time";
                }
                if (why != null) {
                    LOG.info("Detaching the Elastic IP from this instance for the stop ({})", why);
                    provider.detach(self);
                    wrote(self, false);
                    return true;
                }
            } catch (AbandonedCallException e) {
                continue; // the read of a pass that the hand-over overtook: read again
            } catch (CloudException e) {
                LOG.warn("Letting go of the Elastic IP failed: {}", e.getMessage());
                if (now - finalDeadline >= 0 && (!successorSeen || now - detachDeadline >= 0)) {
                    return false;
                }
            }
            try {
                pause.pause(HANDOVER_POLL.delay(attempt++, () -> 0.5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static String describe(Set<UUID> holders) {
        return holders.isEmpty() ? "none" : holders.toString();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private record HandoverRequest(Supplier<HandoverPeers> peers, Duration waitForSuccessor,
            CompletableFuture<Boolean> done) {
    }
}

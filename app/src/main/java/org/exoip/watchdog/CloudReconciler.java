package org.exoip.watchdog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.AbandonedCallException;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.Claim;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;

/**
 * Makes the cloud match the node's decision, on a thread of its own so that adverts and liveness
 * never wait for the cloud API.
 *
 * <ul>
 *   <li>MASTER: attach the Elastic IP to self first (only while the decision is current), claim
 *       it ({@link #useClaims}: write a claim in its labels and read it back, yielding to a later
 *       writer), then detach every other holder, but only once the holders read after the claim
 *       include self, and read them again afterwards: never without a holder during a change of
 *       master, and two masters that cannot hear each other do not detach each other.</li>
 *   <li>BACKUP: let go of the Elastic IP only once the elected master holds it. The master
 *       detaches every other holder right after its attach; a backup that still holds the address
 *       {@link #BACKUP_DETACH_GRACE} after it saw the master hold it detaches itself, which covers
 *       a master whose detach failed without the two of them detaching the same instance. An
 *       attach made for a master decision already overtaken, or by a node that yielded, is undone
 *       without the grace.</li>
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

    /**
     * Whether this instance's last attach went through for a decision already overtaken (a master
     * for a moment): undone without the grace once the master holds it (reconcile thread only).
     */
    private boolean strayAttach;

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

    /**
     * What the node hears now, for the claims: the peers heard alive through adverts, and whether
     * some peer is out of hearing (a partition or a crash may be under way: the claims are watched).
     */
    public record PeerView(Set<UUID> heard, boolean contested) {
        public PeerView {
            heard = Set.copyOf(heard);
        }

        /** Everyone heard, nothing contested: the view before the node knows better. */
        public static final PeerView QUIET = new PeerView(Set.of(), false);
    }

    private Duration claimPeriod;
    /** The wall clock the claims' stamps are written and judged with (tests move it with their monotonic clock). */
    private LongSupplier wallMillis = System::currentTimeMillis;

    /** The cloud refused a claim for good (the key's role): claims are off (reconcile thread only). */
    private boolean claimsRefused;
    private Supplier<PeerView> peerView = () -> PeerView.QUIET;
    private Consumer<Optional<UUID>> onYield = yielded -> { };
    /** The term of the last claim this node wrote (reconcile thread only); 0 before any. */
    private long myTerm;
    /** When this node last wrote its claim (monotonic; reconcile thread only). */
    private long claimWrittenNanos;
    /** The claim last read and when its value last changed, by this node's clock (reconcile thread only). */
    private Claim seenClaim;
    private long seenClaimChangedNanos;
    /** The instance this node yields to through the cloud, or null (written on the reconcile thread). */
    private volatile UUID yieldedTo;
    private volatile Claim lastClaim;

    /**
     * Keeps ownership claims on the Elastic IP ({@link Claim}): a takeover writes one and reads it
     * back before letting go of any other holder; a claim of another node's, newer than this node's
     * and fresh (its value changed within three periods), by a node this node cannot hear, makes it
     * yield ({@code onYield}, on this reconcile thread) instead of detaching that node. While some
     * peer is out of hearing, a master renews its claim and a yielded node reads it, every
     * {@code period}. Call before {@link #start}.
     */
    public void useClaims(Duration period, Supplier<PeerView> view, Consumer<Optional<UUID>> yields) {
        this.claimPeriod = Objects.requireNonNull(period, "period");
        this.peerView = Objects.requireNonNull(view, "view");
        this.onYield = Objects.requireNonNull(yields, "yields");
    }

    /** Uses {@code clock} for the claims' stamps instead of the system's wall clock (tests). */
    void useWallClock(LongSupplier clock) {
        this.wallMillis = Objects.requireNonNull(clock, "clock");
    }

    /** The node this one yields to through the cloud, if any; any thread. */
    public Optional<UUID> yieldedTo() {
        return Optional.ofNullable(yieldedTo);
    }

    /** The claim last read on the Elastic IP, if any; any thread. */
    public Optional<Claim> lastClaim() {
        return Optional.ofNullable(lastClaim);
    }

    /**
     * Some peer went out of hearing: a master starts renewing its claim, and looks at the claims,
     * every claim period from now on rather than every reconcile interval. Any thread.
     */
    public void watchClaims() {
        if (claimPeriod != null) {
            wakeups.offer("claims");
        }
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
     * Runs a pass now, without a log line: an operator's hand-over waits to see the holders it
     * reads ({@link #lastHolders()}). Returns at once; any thread.
     */
    public void readSoon() {
        wakeups.offer("read");
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
                Optional<Duration> left = watchClaims(decision);
                if (left.isEmpty()) {
                    return; // closing
                }
                wait = left.get();
            } else {
                wait = backoff.delay(attempt++, ThreadLocalRandom.current()::nextDouble);
            }
            if (!wait.isZero() && !awaitWakeup(wait)) {
                return;
            }
            if (latest.get() != decision) {
                attempt = 0;
            }
        }
    }

    /** Whether the claims are watched every claim period: a master while a peer is out of hearing, or a yielded node. */
    private boolean watchingClaims(Decision decision) {
        return claimPeriod != null && (yieldedTo != null
                || decision.role() == Role.MASTER && contested());
    }

    /**
     * After a pass that converged: while the claims are watched ({@link #watchingClaims}), a light
     * pass every claim period, only the claim (read, renewed, yielded to) and never the holders,
     * until the next full pass is due or something wakes the reconciler. Returns how long is left
     * to wait for the next full pass (zero: at once), or empty when interrupted (closing).
     */
    private Optional<Duration> watchClaims(Decision decision) {
        long fullPassAt = nanoClock.getAsLong() + reconcileInterval.toNanos();
        while (watchingClaims(decision)) {
            long left = fullPassAt - nanoClock.getAsLong();
            if (left <= claimPeriod.toNanos()) {
                return Optional.of(Duration.ofNanos(Math.max(0, left)));
            }
            try {
                if (wakeups.poll(claimPeriod.toNanos(), TimeUnit.NANOSECONDS) != null) {
                    wakeups.clear();
                    return Optional.of(Duration.ZERO); // a new decision, a re-check or a hand-over: a full pass now
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            if (closed || latest.get() != decision || handover != null) {
                return Optional.of(Duration.ZERO);
            }
            claimPass(decision);
        }
        return Optional.of(Duration.ofNanos(Math.max(0, fullPassAt - nanoClock.getAsLong())));
    }

    /** The light pass of {@link #watchClaims}: the master's claim step, or a yielded node's reading. */
    private void claimPass(Decision decision) {
        try {
            if (decision.role() == Role.MASTER) {
                claim(false, () -> latest.get() == decision);
            } else if (yieldedTo != null) {
                followYield(decision);
            }
        } catch (AbandonedCallException e) {
            LOG.debug("Claim read abandoned: {}", e.getMessage());
        } catch (CloudException e) {
            LOG.warn("Watching the Elastic IP's claim failed, will retry: {}", e.getMessage());
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
                if (!current.getAsBoolean()) {
                    return Outcome.SUPERSEDED; // master no longer: no attach goes out
                }
                LOG.info("Attaching the Elastic IP to this instance (new master)");
                provider.attach(self);
                if (attachedAs(current)) {
                    return Outcome.SUPERSEDED;
                }
            }
            // A master claims first, so that the holders it acts on are read after its claim
            // stood: a rival that detached it meanwhile is then seen, and it re-attaches first.
            if (decision.role() == Role.MASTER && !claim(fresh, current)) {
                return notClaimed(current);
            }
            Set<UUID> holders = provider.holders();
            lastHolders = Set.copyOf(holders);
            if (!current.getAsBoolean()) {
                return Outcome.SUPERSEDED;
            }
            Outcome outcome;
            if (decision.role() == Role.MASTER) {
                outcome = reconcileMaster(holders, current);
            } else {
                if (yieldedTo != null) {
                    followYield(decision);
                }
                outcome = decision.master() == null ? reconcileFaultAlone(holders)
                        : reconcileBackup(holders, decision.master(), decision.role() == Role.BACKUP);
            }
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
     * Books an attach of this instance that just went through: when the decision it was made for
     * is no longer current (this node was master for a moment only), the attach is stray, and the
     * next pass undoes it at once, not after {@link #BACKUP_DETACH_GRACE}. Returns whether it was stray.
     */
    private boolean attachedAs(BooleanSupplier current) {
        wrote(self, true);
        boolean stray = !current.getAsBoolean();
        strayAttach = stray;
        if (stray) {
            LOG.info("This node stopped being master while its attach was under way: the attach is undone as soon "
                    + "as the master holds the Elastic IP");
        }
        return stray;
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
            public Optional<Claim> readClaim() throws CloudException {
                return outcome("read claim", cloud::readClaim);
            }

            @Override
            public void writeClaim(Claim claim) throws CloudException {
                outcome("write claim", () -> {
                    cloud.writeClaim(claim);
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

    /**
     * As master: attach to self if needed, and let go of every other holder only once the cloud,
     * read back, shows this instance holding it, so that the address is never left with none; then
     * read the holders again, so that an attach of self undone meanwhile by another node (two
     * masters that cannot hear each other) is seen and mended within one round trip.
     */
    private Outcome reconcileMaster(Set<UUID> holders, BooleanSupplier current) throws CloudException {
        for (int round = 0; round < MASTER_ROUNDS; round++) {
            if (!holders.contains(self)) {
                if (round > 0 && !claim(false, current)) {
                    return notClaimed(current); // undone by a node whose claim is newer: yield, not fight
                }
                LOG.info("Attaching the Elastic IP to this instance (holders now: {})", describe(holders));
                provider.attach(self);
                if (attachedAs(current)) {
                    return Outcome.SUPERSEDED;
                }
                holders = readHolders();
                if (!holders.contains(self)) {
                    LOG.warn("This instance does not hold the Elastic IP right after attaching it (holders now: {}): "
                            + "attaching again before letting go of anyone", describe(holders));
                    continue;
                }
            }
            strayAttach = false;
            Set<UUID> others = new HashSet<>(holders);
            others.remove(self);
            if (others.isEmpty()) {
                return Outcome.CONVERGED;
            }
            // Rule 2 holds at the moment of the detaches: the holders and the claim were read
            // after this node's attach and claim, and the detaches go out together, so that a
            // long operation (a second or more) is waited for once, not once per other holder.
            List<UUID> leaving = new ArrayList<>();
            boolean rivalLettingGo = false;
            for (UUID other : others) {
                if (rivalLettingGo(other)) {
                    rivalLettingGo = true;
                } else {
                    leaving.add(other);
                }
            }
            if (!current.getAsBoolean()) {
                return Outcome.SUPERSEDED;
            }
            detachAll(leaving);
            holders = readHolders();
            if (holders.equals(Set.of(self))) {
                return Outcome.CONVERGED;
            }
            if (rivalLettingGo && holders.contains(self)) {
                return Outcome.WAITING; // polled again after a back-off, the rival gone by then or detached
            }
            LOG.warn("After letting go of the other holders, the holders are {}: another node is moving the Elastic IP "
                    + "too", describe(holders));
            if (!claim(false, current)) {
                return notClaimed(current); // another node took it after us: yielded
            }
        }
        return Outcome.FAILED;
    }

    /**
     * Whether {@code holder} is the node whose claim this node's takeover overwrote while that
     * claim was a takeover under way (not renewed yet, written within {@link #LIVE_CLAIM} by its
     * stamp; an established owner's renewal is no such thing), and it is still within
     * {@link #RIVAL_YIELD} of that takeover: a node taking over at the same moment, cut off from
     * this one, which yields and detaches itself once it reads the newer claim. Detaching it
     * meanwhile could cross its own detach of this node, and leave the address with no holder.
     * A crashed master's claim is old (claims are renewed only while a peer is out of hearing),
     * so a failover detaches it at once.
     */
    private boolean rivalLettingGo(UUID holder) {
        return holder.equals(rival) && nanoClock.getAsLong() - rivalUntilNanos < 0;
    }

    /**
     * How long a takeover waits between writing its claim and reading it back while a peer is out of
     * hearing: two nodes cut off from each other take over within about this of each other, when
     * the same dead time runs out on both sides, and each then reads back the same last claim.
     */
    static final Duration CLAIM_SETTLE = Duration.ofMillis(300);

    /** How recent a claim's stamp must be, by this node's wall clock, for its owner to count as taking over now. */
    static final Duration LIVE_CLAIM = Duration.ofMillis(1500);
    /** How long a new owner leaves such a rival to yield before detaching it anyway. */
    static final Duration RIVAL_YIELD = Duration.ofMillis(1000);

    /** The rival of the last takeover ({@link #rivalLettingGo}), and until when (reconcile thread only). */
    private UUID rival;
    private long rivalUntilNanos;

    /**
     * Detaches every instance of {@code others} from the Elastic IP: one inline, several at once on
     * threads of their own (made only then, gone once idle), so that the time with several holders
     * is one operation long. Throws the first failure once every detach has ended.
     */
    private void detachAll(List<UUID> others) throws CloudException {
        for (UUID other : others) {
            LOG.info("Detaching the Elastic IP from {}: only the master may hold it", other);
        }
        if (others.size() == 1) {
            provider.detach(others.get(0));
            wrote(others.get(0), false);
            return;
        }
        List<CompletableFuture<UUID>> detaches = new ArrayList<>();
        for (UUID other : others) {
            detaches.add(CompletableFuture.supplyAsync(() -> {
                try {
                    provider.detach(other);
                    return other;
                } catch (CloudException e) {
                    throw new CompletionException(e);
                }
            }, detachers()));
        }
        CloudException failure = null;
        for (CompletableFuture<UUID> detach : detaches) {
            try {
                wrote(detach.join(), false);
            } catch (CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof CloudException cloud ? cloud
                            : new CloudException("detach failed: " + e.getCause(), true, e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private synchronized java.util.concurrent.ExecutorService detachers() {
        if (detachers == null) {
            java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(0,
                    Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), threads);
            detachers = pool;
        }
        return detachers;
    }

    /** Threads for several detaches at once, made on first need; null before. */
    private java.util.concurrent.ExecutorService detachers;

    /** How many attach-and-let-go rounds one master pass makes before it backs off. */
    static final int MASTER_ROUNDS = 3;

    private Set<UUID> readHolders() throws CloudException {
        Set<UUID> holders = provider.holders();
        lastHolders = Set.copyOf(holders);
        return holders;
    }

    /**
     * The master's claim step, before it lets go of any other holder: a takeover ({@code fresh})
     * writes a claim with a term above every term seen and reads it back; a later pass reads the
     * claim, renews its own while a peer is out of hearing, and takes over again from a claim
     * left by a node it hears (a backup now) or an older or stale one. Returns false when this node
     * yields: the claim read back names another node, or a newer and fresh claim names a node this
     * one cannot hear. Without claims (a provider that keeps none) it always returns true.
     */
    private boolean claim(boolean fresh, BooleanSupplier current) throws CloudException {
        if (claimPeriod == null || claimsRefused) {
            return true;
        }
        try {
            return claimOrYield(fresh, current);
        } catch (CloudException e) {
            if (e.refusal().isEmpty() || e.refusal().getAsInt() == 404) {
                throw e;
            }
            // A key whose role may attach and detach but not update the Elastic IP: the rules
            // without claims are what every earlier version ran, better than no takeover at all.
            claimsRefused = true;
            LOG.error("The cloud refuses this node's claim on the Elastic IP ({}): claims are off until a restart, "
                    + "and nodes that cannot hear each other may detach each other; allow update-elastic-ip in "
                    + "the API key's role: {}", e.refusal().getAsInt(), e.getMessage());
            return true;
        }
    }

    private boolean claimOrYield(boolean fresh, BooleanSupplier current) throws CloudException {
        long now = nanoClock.getAsLong();
        Optional<Claim> read = readClaim(now);
        if (!fresh && myTerm > 0 && read.isPresent()) {
            Claim claim = read.get();
            if (claim.owner().equals(self)) {
                if (contested() && now - claimWrittenNanos >= claimPeriod.toNanos()) {
                    writeClaim(claim.renewed(Math.max(claim.stamp() + 1, wallMillis.getAsLong())), now);
                }
                return true;
            }
            if (claim.term() >= myTerm && fresh(now) && !peerView.get().heard().contains(claim.owner())) {
                yieldTo(claim, "it took the Elastic IP after this node (term " + claim.term() + " against "
                        + myTerm + ") and this node cannot hear it");
                return false;
            }
        }
        if (!current.getAsBoolean()) {
            return false;
        }
        long term = Math.max(myTerm, read.map(Claim::term).orElse(0L)) + 1;
        if (!fresh && read.filter(c -> !c.owner().equals(self) && peerView.get().heard().contains(c.owner())).isPresent()) {
            // A node this one hears claimed the address: it cannot hear this one (one-way loss).
            // It yields to this claim, and keeps yielding only while the claim is renewed.
            heardRival = true;
            heardRivalUntilNanos = now + 3 * claimPeriod.toNanos();
        }
        Claim mine = new Claim(term, self, wallMillis.getAsLong());
        LOG.info("Claiming the Elastic IP, term {}{}", term, read.map(c -> " (the claim was term " + c.term() + " by "
                + (c.owner().equals(self) ? "this node" : c.owner()) + ")").orElse(""));
        writeClaim(mine, now);
        myTerm = term;
        rival = null;
        // A rival is one cut off from this node; one heard alive lets go through the adverts.
        read.filter(c -> !c.owner().equals(self) && c.renewals() == 0 && !peerView.get().heard().contains(c.owner())
                && Math.abs(wallMillis.getAsLong() - c.stamp()) < LIVE_CLAIM.toMillis()).ifPresent(c -> {
                    rival = c.owner();
                    rivalUntilNanos = now + RIVAL_YIELD.toNanos();
                    LOG.info("The claim this one replaces was written {} ms ago by {}: leaving it {} ms to let go",
                            wallMillis.getAsLong() - c.stamp(), c.owner(), RIVAL_YIELD.toMillis());
                });
        if (contested()) {
            // Someone out of hearing may be taking over at this very moment: let its claim land
            // before reading back, so that both read the same last writer and only one proceeds.
            try {
                pause.pause(CLAIM_SETTLE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CloudException("claiming the Elastic IP interrupted", true);
            }
        }
        Optional<Claim> back = readClaim(nanoClock.getAsLong());
        if (back.isPresent() && !back.get().owner().equals(self)) {
            yieldTo(back.get(), "its claim, term " + back.get().term() + ", was written after this node's");
            return false;
        }
        if (yieldedTo != null) {
            endYield("this node holds the claim");
        }
        return true;
    }

    /**
     * A master pass that did not keep the claim: overtaken by a new decision, or yielded, when it
     * waits for the decision the yield brings (a new pass at once would only read the claim again).
     */
    private static Outcome notClaimed(BooleanSupplier current) {
        return current.getAsBoolean() ? Outcome.WAITING : Outcome.SUPERSEDED;
    }

    private Optional<Claim> readClaim(long now) throws CloudException {
        Optional<Claim> read = provider.readClaim();
        Claim claim = read.orElse(null);
        if (!Objects.equals(claim, seenClaim)) {
            seenClaim = claim;
            seenClaimChangedNanos = now;
        }
        lastClaim = claim;
        return read;
    }

    private void writeClaim(Claim claim, long now) throws CloudException {
        provider.writeClaim(claim);
        claimWrittenNanos = now;
        seenClaim = claim;
        seenClaimChangedNanos = now;
        lastClaim = claim;
    }

    /**
     * Whether some node may be yielding to this one through the cloud: a peer is out of hearing,
     * or lately a peer this node hears took the address (it cannot hear this node: one-way loss).
     * A master renews its claim, and watches the claims, while it is.
     */
    private boolean contested() {
        return peerView.get().contested() || heardRival && nanoClock.getAsLong() - heardRivalUntilNanos < 0;
    }

    /** Until when a heard peer's takeover makes this node count as contested (reconcile thread only). */
    private boolean heardRival;
    private long heardRivalUntilNanos;

    /** Whether the claim last read changed within three claim periods, by this node's clock. */
    private boolean fresh(long now) {
        return now - seenClaimChangedNanos < 3 * claimPeriod.toNanos();
    }

    /**
     * Yields to the node of {@code claim}: counts it master through the cloud, so that this node
     * becomes its backup, and undoes its own attach at once once that node holds the address.
     */
    private void yieldTo(Claim claim, String why) {
        boolean changed = !claim.owner().equals(yieldedTo);
        yieldedTo = claim.owner();
        strayAttach = true;
        if (changed) {
            LOG.warn("Yielding the Elastic IP to {}, alive through the cloud: {}; it counts as master for as long "
                    + "as its claim changes within {} ms or until it is heard again", claim.owner(), why,
                    3 * claimPeriod.toMillis());
            onYield.accept(Optional.of(claim.owner()));
        }
    }

    /**
     * The node this one yields to is heard again: the yield ends now, for good, so that a later
     * silence of that node is a failover, not a yield that waits for its claim to go stale. Called
     * on the event loop; the election there has dropped it already ({@link Watchdog#yieldTo}).
     */
    void heardAgain(UUID node) {
        if (node.equals(yieldedTo)) {
            yieldedTo = null;
            LOG.info("No longer yielding to {}: it is heard again", node);
        }
    }

    private void endYield(String why) {
        UUID was = yieldedTo;
        yieldedTo = null;
        LOG.info("No longer yielding to {}: {}", was, why);
        onYield.accept(Optional.empty());
    }

    /**
     * A yielded node's pass: reads the claim, and stops yielding when the node it yields to is
     * heard again (the adverts decide), its claim went stale (it stopped renewing: dead, or cut off
     * from the API too), or the claim now names another node (then yields to that one, if unheard).
     */
    private void followYield(Decision decision) throws CloudException {
        UUID to = yieldedTo;
        if (peerView.get().heard().contains(to)) {
            endYield(to + " is heard again");
            return;
        }
        long now = nanoClock.getAsLong();
        Optional<Claim> read = readClaim(now);
        if (read.isEmpty()) {
            endYield("the Elastic IP carries no claim any more");
        } else if (!read.get().owner().equals(to)) {
            if (read.get().owner().equals(self) || peerView.get().heard().contains(read.get().owner())) {
                endYield("the claim is now " + read.get().owner() + "'s");
            } else {
                yieldTo(read.get(), "the claim is now its own (term " + read.get().term() + ")");
            }
        } else if (!fresh(now)) {
            endYield("its claim did not change for " + 3 * claimPeriod.toMillis() + " ms");
        }
    }

    private Outcome reconcileBackup(Set<UUID> holders, UUID master, boolean grace) throws CloudException {
        if (!holders.contains(self)) {
            graceFor = null;
            strayAttach = false;
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
        if (grace && !strayAttach && now - graceSinceNanos < BACKUP_DETACH_GRACE.toNanos()) {
            LOG.debug("Master {} holds the Elastic IP too: leaving it to detach this instance", master);
            return Outcome.WAITING;
        }
        LOG.info(strayAttach ? "Detaching the Elastic IP from this instance: it was attached for a moment as master, "
                + "and master {} holds it"
                : grace ? "Detaching the Elastic IP from this instance: master {} holds it, and has not detached "
                + "this instance within " + BACKUP_DETACH_GRACE.toSeconds() + " s"
                : "Detaching the Elastic IP from this instance: master {} holds it", master);
        provider.detach(self);
        wrote(self, false);
        graceFor = null;
        strayAttach = false;
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
        if (detachers != null) {
            detachers.shutdownNow();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    private record HandoverRequest(Supplier<HandoverPeers> peers, Duration waitForSuccessor,
            CompletableFuture<Boolean> done) {
    }
}

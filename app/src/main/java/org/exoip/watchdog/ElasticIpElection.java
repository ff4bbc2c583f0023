package org.exoip.watchdog;

import io.netty.channel.EventLoop;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.TimedElasticIpProvider;
import org.exoip.health.HealthVerdict;
import org.exoip.logging.NodeThreadFactory;
import org.exoip.protocol.Advert;

/**
 * What happens for one Elastic IP: its election ({@link Watchdog}: the peers' liveness for this
 * address, the role), the timer that re-evaluates it when a peer could have died, and its cloud
 * reconciliation ({@link CloudReconciler}, on a thread of its own). A {@link WatchdogEngine} holds
 * one per address it keeps and shares its socket, its peers and its API client among them.
 *
 * <p>Concurrency contract: every method but the read-only accessors marked "any thread" runs on
 * the engine's event loop.
 */
final class ElasticIpElection implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(ElasticIpElection.class);
    /** The log4j2 context key that names the address, in text lines and JSON fields, when a node keeps several. */
    static final String EIP_KEY = "eip";
    /** A timed evaluation never fires sooner than this after it is set: no busy loop on a clock step. */
    private static final long MIN_TIMER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Inet4Address address;
    private final Watchdog watchdog;
    private final TimedElasticIpProvider cloud;
    private final CloudReconciler reconciler;
    private final EventLoop loop;
    private final LongSupplier nanoClock;
    /** The engine's turn of the loop, told before a timed evaluation judges anyone ({@link StallGuard}). */
    private final LongConsumer loopTurn;
    /** Whether log lines name the address (the node keeps several). */
    private final boolean named;

    private volatile Role role = Role.STARTING;
    private volatile int advertised;
    private volatile UUID master;
    /** What the claims see of the peers ({@link #updatePeerView}); written on the event loop. */
    private volatile CloudReconciler.PeerView peerView = CloudReconciler.PeerView.QUIET;
    /** The timed evaluation pending, if any, and when it is due (event loop only). */
    private ScheduledFuture<?> evaluationTimer;
    private long evaluationAt;
    /** When a master last re-checked the cloud because a peer came back or changed (event loop only). */
    private boolean rechecked;
    private long lastRecheckNanos;

    /**
     * @param node      the node's settings for this address (its priority for it among them)
     * @param onChange  told of every change of decision after it is logged and handed to the reconciler
     */
    ElasticIpElection(NodeSettings node, Watchdog.Rules rules, Predicate<InetAddress> isOwnAddress,
            ElasticIpProvider provider, EngineSettings settings, EventLoop loop, boolean named,
            LongConsumer loopTurn, Consumer<Watchdog.Transition> onChange) {
        this.address = node.elasticIp();
        this.loop = loop;
        this.loopTurn = loopTurn;
        this.nanoClock = settings.nanoClock();
        this.named = named;
        String nodeName = node.self().toString();
        this.cloud = new TimedElasticIpProvider(provider, settings.apiTimeout(), threads(nodeName, "exoip-api"));
        this.reconciler = new CloudReconciler(cloud, node.self(), settings.reconcileInterval(),
                new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2), settings.nanoClock(),
                threads(nodeName, "exoip-cloud"));
        this.reconciler.useClaims(claimPeriod(node), () -> peerView, yielded -> {
            try {
                loop.execute(() -> yieldTo(yielded));
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                LOG.debug("Event loop already stopped; the yield no longer matters");
            }
        });
        this.watchdog = new Watchdog(node, rules, isOwnAddress, transition -> {
            role = transition.to().role();
            master = transition.to().master();
            log(transition);
            reconciler.decide(transition.to());
            onChange.accept(transition);
        });
    }

    /** The reconciler found this node must yield to another through the cloud, or no longer. Event loop. */
    private void yieldTo(Optional<UUID> yielded) {
        long now = nanoClock.getAsLong();
        try (CloseableThreadContext.Instance c = context()) {
            watchdog.yieldTo(yielded, now);
        }
        scheduleEvaluation(now);
    }

    /**
     * How often a master renews its claim, and a yielded node reads it, while some peer is out of
     * hearing: twice the dead time, at least 2 s. A claim unchanged for three periods is stale.
     */
    static Duration claimPeriod(NodeSettings node) {
        Duration twice = node.deadTimeout().multipliedBy(2);
        return twice.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : twice;
    }

    /**
     * Refreshes what the reconciler's claims see of the peers: the ids heard alive, and whether
     * some peer is out of hearing; wakes the reconciler when that begins. Event loop.
     */
    private void updatePeerView(long now) {
        Set<UUID> heard = new java.util.HashSet<>();
        boolean contested = false;
        for (LivenessTracker.PeerStatus peer : watchdog.peers(now)) {
            if (peer.alive() && peer.id() != null) {
                heard.add(peer.id());
            } else {
                contested = true;
            }
        }
        reconciler.yieldedTo().filter(heard::contains).ifPresent(reconciler::heardAgain);
        CloudReconciler.PeerView before = peerView;
        if (!before.heard().equals(heard) || before.contested() != contested) {
            peerView = new CloudReconciler.PeerView(heard, contested);
            if (contested && !before.contested()) {
                reconciler.watchClaims();
            }
        }
    }

    /** Threads that log as the node and, when it keeps several addresses, name this one. */
    private ThreadFactory threads(String nodeName, String prefix) {
        ThreadFactory base = new NodeThreadFactory(nodeName, named ? prefix + "-" + address.getHostAddress() : prefix);
        if (!named) {
            return base;
        }
        String eip = address.getHostAddress();
        return task -> base.newThread(() -> {
            ThreadContext.put(EIP_KEY, eip);
            task.run();
        });
    }

    /** Names this address in the lines logged until it is closed, when the node keeps several. */
    CloseableThreadContext.Instance context() {
        return named ? CloseableThreadContext.put(EIP_KEY, address.getHostAddress())
                : CloseableThreadContext.putAll(Map.of());
    }

    private void log(Watchdog.Transition transition) {
        Decision to = transition.to();
        // Structured fields for --log-format json; text lines read the same as before.
        try (CloseableThreadContext.Instance fields = context().put("event", "state_change")
                .put("from", transition.from().role().name()).put("to", to.role().name())
                .put("master", to.master() == null ? "" : to.master().toString()).put("reason", transition.why())) {
            if (transition.roleChanged()) {
                LOG.info("State {} -> {}: {}", transition.from().role(), to.role(), transition.why());
            } else if (to.master() != null) {
                LOG.info("Master is now {}: {}", to.master(), transition.why());
            }
        }
    }

    /** Starts the reconcile thread; the election starts once the peers are known ({@link #startElection}). */
    void start() {
        reconciler.start();
    }

    Inet4Address address() {
        return address;
    }

    Watchdog watchdog() {
        return watchdog;
    }

    /** The role now; any thread. */
    Role role() {
        return role;
    }

    /** The priority advertised for this address now; any thread. */
    int priority() {
        return advertised;
    }

    /** The elected master now, if any; any thread. */
    Optional<UUID> master() {
        return Optional.ofNullable(master);
    }

    /** The node this one yields to through the cloud, if any; any thread. */
    Optional<UUID> yieldedTo() {
        return reconciler.yieldedTo();
    }

    /** The claim last read on this address, if any; any thread. */
    Optional<org.exoip.cloud.Claim> claim() {
        return reconciler.lastClaim();
    }

    /** The instances the cloud last said hold this address; empty before the first read. Any thread. */
    Optional<Set<UUID>> holders() {
        return reconciler.lastHolders();
    }

    Optional<CloudReconciler.Refusal> refusal() {
        return reconciler.refusal();
    }

    /** The advert to send now, remembering its priority for readers on other threads. */
    Advert advert() {
        Advert advert = watchdog.advert();
        advertised = advert.priority();
        return advert;
    }

    /** The hold-off starts: the peers are known. */
    void startElection(long now) {
        watchdog.start(now);
    }

    void suspend(String why, long now) {
        try (CloseableThreadContext.Instance c = context()) {
            watchdog.suspend(why, now);
        }
    }

    void setPeers(Collection<? extends InetAddress> peers, long now) {
        watchdog.setPeers(peers);
        updatePeerView(now);
    }

    /**
     * Records an advert for this address. A peer that comes back or advertises a new priority makes
     * a master check the cloud now: while this node was not hearing it, or between two of its
     * adverts, that peer may have been master and taken the address. At most once per dead time, so
     * that a flapping peer cannot make it hammer the API.
     */
    Watchdog.Received onAdvert(InetAddress from, Advert advert, long now, Instant wall) {
        try (CloseableThreadContext.Instance c = context()) {
            Watchdog.Received outcome = watchdog.onAdvert(from, advert, now, wall);
            if (outcome == Watchdog.Received.REVIVED || outcome == Watchdog.Received.CHANGED) {
                updatePeerView(now);
                scheduleEvaluation(now);
                if (watchdog.role() == Role.MASTER && (!rechecked
                        || now - lastRecheckNanos >= watchdog.settings().deadTimeout().toNanos())) {
                    recheck("peer " + from.getHostAddress()
                            + (outcome == Watchdog.Received.REVIVED ? " is alive again" : " advertises a new priority"),
                            now);
                }
            }
            return outcome;
        }
    }

    /** A master checks the cloud now ({@code why} is logged); any other role has nothing to check. */
    void recheckIfMaster(String why, long now) {
        if (watchdog.role() == Role.MASTER) {
            try (CloseableThreadContext.Instance c = context()) {
                recheck(why, now);
            }
        }
    }

    private void recheck(String why, long now) {
        rechecked = true;
        lastRecheckNanos = now;
        reconciler.recheck(why);
    }

    /**
     * This node stalled from {@code sinceNanos} to now: the peers alive then stay alive until
     * {@code untilNanos} ({@link Watchdog#forgiveStall}), and the next evaluation is timed for then.
     */
    int forgiveStall(long sinceNanos, long untilNanos, long now) {
        int forgiven = watchdog.forgiveStall(sinceNanos, untilNanos);
        scheduleEvaluation(now);
        return forgiven;
    }

    /** A peer's exoip is gone (two refused adverts): dead for this address now. */
    void peerRefused(InetAddress peer, long now) {
        try (CloseableThreadContext.Instance c = context()) {
            if (watchdog.peerRefused(peer, now)) {
                updatePeerView(now);
                scheduleEvaluation(now);
            }
        }
    }

    /** The node's health moved: evaluated now, and a change of the advertised priority logged. */
    void setHealth(HealthVerdict verdict, long now) {
        int before = watchdog.advert().priority();
        try (CloseableThreadContext.Instance c = context()) {
            watchdog.setHealth(verdict, now);
            int after = advert().priority();
            if (after != before) {
                LOG.info("Advertised priority {} -> {} (health checks, track file)", before, after);
            }
        }
        scheduleEvaluation(now);
    }

    /** {@code --spread}: whether this address is another node's home; true when that changed. */
    boolean setAway(boolean notHome, long now) {
        boolean changed;
        try (CloseableThreadContext.Instance c = context()) {
            changed = watchdog.setAway(notHome, now);
        }
        if (changed) {
            advert();
            scheduleEvaluation(now);
        }
        return changed;
    }

    /** Which signal moved the priority by {@code delta}: one of them, or those received while starting. */
    static String signalCause(int delta) {
        return switch (delta) {
            case -1 -> "SIGUSR1";
            case 1 -> "SIGUSR2";
            default -> "SIGUSR1/SIGUSR2 received while starting, " + (delta > 0 ? "+" : "") + delta + " in all";
        };
    }

    /**
     * SIGUSR1 / SIGUSR2: the priority for this address moves by {@code delta}, and the move is logged
     * with the signal that asked for it (signals are its only cause).
     */
    void adjustPriority(int delta, long now) {
        try (CloseableThreadContext.Instance c = context()) {
            int before = watchdog.priority();
            LOG.info("Priority {} -> {} ({})", before, watchdog.adjustPriority(delta, now), signalCause(delta));
        }
        advert();
        scheduleEvaluation(now);
    }

    /**
     * Times the next evaluation for the moment time alone can change the decision (the end of the
     * hold-off, the first expiry of an alive peer), unless one is due no later. Instead of a tick
     * of a tenth of an interval: a death is seen at its very moment rather than up to a tick late,
     * and an idle node wakes up only when a peer could have died. A timer that finds its peer
     * refreshed in between only times the next one.
     */
    void scheduleEvaluation(long now) {
        OptionalLong next = watchdog.nextEvaluation(now);
        if (next.isEmpty()) {
            return;
        }
        long at = next.getAsLong();
        if (evaluationTimer != null) {
            if (evaluationAt - at <= 0) {
                return;
            }
            evaluationTimer.cancel(false);
        }
        evaluationAt = at;
        evaluationTimer = loop.schedule(this::evaluateOnTime, Math.max(MIN_TIMER_NANOS, at - now), TimeUnit.NANOSECONDS);
    }

    private void evaluateOnTime() {
        evaluationTimer = null;
        long now = nanoClock.getAsLong();
        // A timer that fires after a stall of this node must not judge the peers on the gap alone.
        loopTurn.accept(now);
        try (CloseableThreadContext.Instance c = context()) {
            watchdog.evaluate(now);
        }
        updatePeerView(now);
        scheduleEvaluation(now);
    }

    /**
     * Begins the stop of this address: adverts say priority 255 from now on. A master hands the
     * address over ({@link CloudReconciler#handOver}: waits up to {@code wait} for a successor to
     * hold it, then for its detach of this instance) and the future completes with whether this
     * instance let go; any other role completes at once with true.
     *
     * @param peers what the peers look like now, asked again at every poll of the hand-over
     */
    CompletableFuture<Boolean> stop(long now, Duration wait, Supplier<CloudReconciler.HandoverPeers> peers) {
        try (CloseableThreadContext.Instance c = context()) {
            Role before = watchdog.beginStopping(now);
            advert();
            if (before != Role.MASTER) {
                return CompletableFuture.completedFuture(true);
            }
            return reconciler.handOver(wait, peers);
        }
    }

    /**
     * An operator's hand-over holds this node out of this address's election, or lets it back
     * ({@link Watchdog#setHeld}); the change of priority is logged and advertised next.
     */
    void hold(boolean held, String why, long now) {
        try (CloseableThreadContext.Instance c = context()) {
            if (watchdog.held() != held) {
                LOG.info(held ? "Out of the election: {}" : "Back in the election: {}", why);
            }
            watchdog.setHeld(held, now);
        }
        advert();
        scheduleEvaluation(now);
    }

    /** Asks the reconciler to read the holders now (an operator's hand-over waits on them). */
    void readHoldersSoon() {
        reconciler.readSoon();
    }

    /** Whether a peer is alive for this address, so that a successor may take it over. */
    boolean successorExpected(long now) {
        return watchdog.peers(now).stream().anyMatch(LivenessTracker.PeerStatus::alive);
    }

    /**
     * The peers as a stopping master sees them for this address: a peer advertising
     * {@link Priority#WORST} is stopping (or in fault) too, no successor.
     */
    CloudReconciler.HandoverPeers handoverPeers(long now) {
        Set<UUID> stopping = new java.util.HashSet<>();
        boolean successorPossible = false;
        for (LivenessTracker.PeerStatus peer : watchdog.peers(now)) {
            if (peer.alive() && peer.priority() == Priority.WORST && peer.id() != null) {
                stopping.add(peer.id());
            } else if (peer.alive()) {
                successorPossible = true;
            }
        }
        return new CloudReconciler.HandoverPeers(successorPossible, stopping);
    }

    @Override
    public void close() {
        if (evaluationTimer != null) {
            evaluationTimer.cancel(false);
        }
        reconciler.close();
        cloud.close();
    }
}

package org.exoip.watchdog;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.exoip.health.HealthVerdict;
import org.exoip.protocol.Advert;
import org.exoip.watchdog.LivenessTracker.PeerStatus;

/**
 * The heart of a node, free of network and cloud: peers' liveness, the election and the role.
 * The role changes in one place, {@link #evaluate}, and every change of decision is handed to the
 * listener once.
 *
 * <p>Not thread-safe: every method runs on the watchdog's event loop. Time is a parameter
 * (monotonic nanoseconds for decisions, wall-clock only for what people read).
 */
public final class Watchdog {

    /** What became of a received advert. */
    public enum Received {
        /** From a known peer that was alive already: recorded. */
        ACCEPTED,
        /**
         * From a known peer that was dead until now (never heard, silent past the dead time, or
         * this node itself was stopped or cut off meanwhile): recorded. While this node was not
         * hearing it, that peer may have taken the Elastic IP, so a master checks the cloud again.
         */
        REVIVED,
        /**
         * From a known, alive peer now advertising another priority or id: recorded. That peer may
         * have been master for a moment (a priority moved and moved back between two adverts) and
         * taken the Elastic IP, so a master checks the cloud again.
         */
        CHANGED,
        /** From an address that is not a peer: ignored. */
        UNKNOWN_SENDER,
        /** Carrying this node's own id from one of its own addresses (listed among its peers): dropped from them. */
        SELF,
        /**
         * Carrying this node's own id from an address that is not this node's: another node runs
         * with the same id (a cloned image, a copied {@code -i}). Not recorded: both nodes would
         * otherwise take each other for themselves and both be master, silently.
         */
        DUPLICATE_ID
    }

    /**
     * How this Elastic IP's election orders the nodes and whether its master keeps it.
     *
     * @param ranking   the order among equal priorities ({@link Placement})
     * @param noPreempt {@code --no-preempt}: a master advertises {@link Priority#BEST} for as long as
     *                  it is master and healthy, so that a better node that comes back does not take
     *                  the address from it; the address moves when its master stops, faults or dies.
     *                  Advertising it keeps the adverts the original's: no field says "master", and
     *                  every node, old or new, ranks the holder first.
     */
    public record Rules(Comparator<Candidate> ranking, boolean noPreempt) {
        /** As a single address always was: by priority then id, and the best node takes it back. */
        public static final Rules DEFAULT = new Rules(Placement.byId(), false);

        public Rules {
            Objects.requireNonNull(ranking, "ranking");
        }
    }

    private final NodeSettings settings;
    private final Rules rules;
    private final LivenessTracker liveness;
    private final Predicate<InetAddress> isOwnAddress;
    private final Consumer<Transition> listener;

    private int priority;
    /** What the health checks and the track file make of {@link #priority}. */
    private HealthVerdict health = HealthVerdict.NONE;
    /** {@code --spread}: this address is not this node's home, so it runs {@link Placement#away} worse. */
    private boolean away;
    private long startedNanos;
    private boolean started;
    /** The node this one yields to through the cloud ({@link #yieldTo}), or null. */
    private UUID cloudMaster;
    /** Out of the election by an operator's hand-over ({@link #setHeld}): runs and advertises as 255. */
    private boolean held;
    private Decision decision;

    /**
     * @param isOwnAddress tells which addresses are this node's, so that it is never its own peer
     * @param listener     told of every change of decision, on the calling thread; must not block
     */
    public Watchdog(NodeSettings settings, Predicate<InetAddress> isOwnAddress, Consumer<Transition> listener) {
        this(settings, Rules.DEFAULT, isOwnAddress, listener);
    }

    /** As above, with this Elastic IP's {@code rules}. */
    public Watchdog(NodeSettings settings, Rules rules, Predicate<InetAddress> isOwnAddress,
            Consumer<Transition> listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.isOwnAddress = Objects.requireNonNull(isOwnAddress, "isOwnAddress");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.liveness = new LivenessTracker(settings.livenessTimeout());
        this.priority = settings.priority();
        this.decision = Decision.starting(settings.self());
    }

    /**
     * Starts the hold-off: no decision before {@code interval × ratio} has passed. Called once the
     * peers are known, so that the node has heard them before it decides.
     */
    public void start(long nanos) {
        startedNanos = nanos;
        started = true;
    }

    /** Whether the hold-off has been started (and not suspended since). */
    public boolean started() {
        return started;
    }

    /**
     * Stops taking part until {@link #start} is called again (for example when the node is no
     * longer a member of its peer group): the role goes back to STARTING, which touches nothing.
     */
    public void suspend(String why, long nanos) {
        started = false;
        if (decision.role() != Role.STARTING && decision.role() != Role.STOPPING) {
            change(Decision.starting(settings.self()), why, nanos);
        }
    }

    /** Replaces the peers (from the command line or the security group), never counting self. */
    public void setPeers(Collection<? extends InetAddress> addresses) {
        liveness.setPeers(addresses.stream().<InetAddress>map(a -> a).filter(isOwnAddress.negate()).toList());
    }

    /** Records an advert that passed decoding and re-evaluates at once. */
    public Received onAdvert(InetAddress from, Advert advert, long nanos, Instant wall) {
        if (advert.instanceId().equals(settings.self())) {
            if (!isOwnAddress.test(from)) {
                return Received.DUPLICATE_ID;
            }
            // Our own advert came back: that address is ours, whatever the peer list says.
            liveness.remove(from);
            return Received.SELF;
        }
        Optional<PeerStatus> before = liveness.observe(from, advert.instanceId(), advert.priority(), nanos, wall);
        if (before.isEmpty()) {
            return Received.UNKNOWN_SENDER;
        }
        // The election changes only when this peer comes alive or advertises something new; a
        // peer's death is found by the evaluation the engine times for the first expiry
        // (nextEvaluation). Re-running it for every advert cost O(peers) per advert, O(peers^2)
        // per interval: most of the CPU with 50 peers at 100 ms.
        PeerStatus was = before.get();
        Received received = !was.alive() ? Received.REVIVED
                : was.priority() != advert.priority() || !advert.instanceId().equals(was.id()) ? Received.CHANGED
                : Received.ACCEPTED;
        if (received != Received.ACCEPTED) {
            evaluate(nanos);
        }
        return received;
    }

    /**
     * A peer's host refused our adverts twice with nothing heard between: its exoip is gone, so it
     * counts dead now and the election runs at once.
     *
     * @return whether the peer was alive until now (false: nothing changed)
     */
    public boolean peerRefused(InetAddress address, long nanos) {
        if (!liveness.declareDead(address, nanos)) {
            return false;
        }
        evaluate(nanos);
        return true;
    }

    /**
     * This node did not run from {@code stalledSinceNanos} until now ({@link StallGuard}): every
     * peer alive when the stall began stays alive until {@code untilNanos}, so that the adverts
     * waiting in the sockets, or the next ones, are read before any peer is judged dead. Nothing is
     * evaluated here: the grace only keeps a decision from being taken on the gap alone.
     *
     * @return how many peers were given the grace
     */
    public int forgiveStall(long stalledSinceNanos, long untilNanos) {
        return liveness.forgiveStall(stalledSinceNanos, untilNanos);
    }

    /**
     * Counts {@code master} as master through the cloud (its fresh claim says it took the Elastic
     * IP, and this node cannot hear it), or stops doing so (empty), and re-evaluates. While it does,
     * this node is that node's backup (or in fault with it as master); once that node is heard
     * again, the adverts decide as usual.
     */
    public void yieldTo(Optional<UUID> master, long nanos) {
        cloudMaster = master.orElse(null);
        evaluate(nanos);
    }

    /**
     * An operator's hand-over ({@code exoip handover}) holds this node out of the election, or lets
     * it back: while held it advertises and runs with {@link Priority#WORST}, like a stopping node,
     * so that its peers elect another; it is still master as a last resort, when no other node is
     * better. Re-evaluates now.
     */
    public void setHeld(boolean held, long nanos) {
        this.held = held;
        evaluate(nanos);
    }

    /** Whether an operator's hand-over holds this node out of the election. */
    public boolean held() {
        return held;
    }

    /** The node this one yields to through the cloud, while it is not heard; empty otherwise. */
    public Optional<UUID> yieldedTo() {
        return Optional.ofNullable(cloudMaster);
    }

    /** Whether {@code address} is a peer heard within the dead time. */
    public boolean isAlive(InetAddress address, long nanos) {
        return liveness.isAlive(address, nanos);
    }

    /** Moves the priority by {@code delta}, bounded to 0..255; returns the new value. */
    public int adjustPriority(int delta, long nanos) {
        priority = Priority.adjust(priority, delta);
        evaluate(nanos);
        return priority;
    }

    /**
     * The health checks' and the track file's verdict: a fault or a move of the priority, applied to
     * the next evaluation (run now) and the next advert.
     */
    public void setHealth(HealthVerdict verdict, long nanos) {
        health = Objects.requireNonNull(verdict, "verdict");
        evaluate(nanos);
    }

    public HealthVerdict health() {
        return health;
    }

    /** Whether the health checks or the track file fault this node now. */
    public boolean faulted() {
        return health.fault(priority);
    }

    /** The priority the node runs for election with: the configured one moved by signals, checks and track file. */
    public int effectivePriority() {
        return health.priority(priority);
    }

    /** Begins a clean stop; returns the role held before. Adverts now carry priority 255. */
    public Role beginStopping(long nanos) {
        Role before = decision.role();
        if (before != Role.STOPPING) {
            change(new Decision(Role.STOPPING, settings.self(), null), "stop requested", nanos);
        }
        return before;
    }

    /**
     * The next moment (monotonic nanoseconds) at which the passing of time alone can change the
     * decision: the end of the start-up hold-off, or the first expiry of an alive peer. Empty when
     * time alone changes nothing (not started, stopping, or no peer alive after the hold-off);
     * adverts, signals and peer changes re-evaluate by themselves.
     */
    public OptionalLong nextEvaluation(long nanos) {
        if (!started || decision.role() == Role.STOPPING) {
            return OptionalLong.empty();
        }
        return holdingOff(nanos) ? OptionalLong.of(holdOffEnd()) : liveness.nextExpiry(nanos);
    }

    /** Re-runs liveness and the election; the only place the role changes. */
    public void evaluate(long nanos) {
        Role role = decision.role();
        if (!started || role == Role.STOPPING) {
            return;
        }
        if (holdingOff(nanos)) {
            return;
        }
        boolean fault = faulted();
        Candidate self = new Candidate(settings.self(), fault || held ? Priority.WORST : advertised());
        List<Candidate> alive = liveness.alive(nanos);
        Candidate winner = Election.winner(self, alive, rules.ranking());
        // Yielded through the cloud to a node not heard: it is master. Heard, the adverts decide
        // from then on: should it go silent again, that is a death or a stop, and a failover.
        if (cloudMaster != null && alive.stream().anyMatch(c -> cloudMaster.equals(c.id()))) {
            cloudMaster = null;
        }
        UUID yielded = cloudMaster;
        Decision next;
        if (fault) {
            // A peer advertising 255 is stopping or in fault itself: no master either.
            boolean healthyWinner = !winner.equals(self) && winner.priority() < Priority.WORST;
            next = new Decision(Role.FAULT, settings.self(), yielded != null ? yielded
                    : healthyWinner ? winner.id() : null);
        } else if (yielded != null) {
            next = new Decision(Role.BACKUP, settings.self(), yielded);
        } else {
            next = winner.equals(self)
                    ? new Decision(Role.MASTER, settings.self(), settings.self())
                    : new Decision(Role.BACKUP, settings.self(), winner.id());
        }
        if (!next.equals(decision)) {
            change(next, yielded != null && !fault ? "node " + yielded + " took the Elastic IP after this node, "
                    + "and this node cannot hear it: yielding to it through the cloud" : reason(next, winner), nanos);
        }
    }

    private String reason(Decision next, Candidate winner) {
        int effective = effectivePriority();
        if (next.role() == Role.FAULT) {
            return String.join("; ", health.faultReasons(priority))
                    + (next.master() == null ? " (no healthy peer alive)" : " (master: " + next.master() + ")");
        }
        if (next.role() == Role.MASTER && held) {
            return "held out of the election (exoip handover), but no alive node is better";
        }
        if (next.role() == Role.MASTER) {
            return "best alive node (priority " + effective + ")";
        }
        return "node " + winner.id() + " is better (priority " + winner.priority() + " against "
                + (held ? Priority.WORST + ", held out of the election by exoip handover" : effective) + ")";
    }

    private void change(Decision next, String why, long nanos) {
        Decision previous = decision;
        decision = next;
        listener.accept(new Transition(previous, next, why, nanos, settings.elasticIp()));
    }

    /** The advert to send now. */
    public Advert advert() {
        int advertised = decision.role() == Role.STOPPING || faulted() || held ? Priority.WORST : advertised();
        return new Advert(advertised, settings.elasticIp(), settings.self());
    }

    /**
     * The priority this node runs with when neither stopping nor in fault: {@link Rules#noPreempt()}
     * and, with {@code --spread}, the address's home ({@link #setAway}) applied.
     */
    private int advertised() {
        if (rules.noPreempt() && decision.role() == Role.MASTER) {
            return Priority.BEST;
        }
        return away ? Placement.away(effectivePriority()) : effectivePriority();
    }

    /**
     * {@code --spread}: whether this address is another node's home ({@link Placement#homes}); the
     * change is evaluated now and advertised next. Returns whether it changed.
     */
    public boolean setAway(boolean notHome, long nanos) {
        if (away == notHome) {
            return false;
        }
        away = notHome;
        evaluate(nanos);
        return true;
    }

    /** Whether this address is another node's home ({@link #setAway}). */
    public boolean away() {
        return away;
    }

    public Rules rules() {
        return rules;
    }

    public Decision decision() {
        return decision;
    }

    public Role role() {
        return decision.role();
    }

    public int priority() {
        return priority;
    }

    public NodeSettings settings() {
        return settings;
    }

    /** The addresses adverts go to. */
    public List<InetAddress> peerAddresses() {
        return liveness.addresses();
    }

    public boolean isPeer(InetAddress address) {
        return liveness.isPeer(address);
    }

    /** Every peer's status now. */
    public List<PeerStatus> peers(long nanos) {
        return liveness.statuses(nanos);
    }

    /** Ids of the peers heard from so far, alive or not. */
    public List<UUID> knownPeerIds(long nanos) {
        return liveness.statuses(nanos).stream().map(PeerStatus::id).filter(Objects::nonNull).toList();
    }

    /** Whether the start-up hold-off is still running. */
    public boolean holdingOff(long nanos) {
        return !started || nanos - holdOffEnd() < 0;
    }

    /** The first moment after the hold-off: more than interval × ratio after the start. */
    private long holdOffEnd() {
        return startedNanos + settings.deadTimeout().toNanos() + 1;
    }

    /** How long after start the first decision can be taken. */
    public Duration holdOff() {
        return settings.deadTimeout();
    }

    /** A change of decision of the election for {@code elasticIp}. */
    public record Transition(Decision from, Decision to, String why, long nanos, Inet4Address elasticIp) {

        /** A change of a node that keeps one Elastic IP, which needs no naming (tests). */
        public Transition(Decision from, Decision to, String why, long nanos) {
            this(from, to, why, nanos, null);
        }

        /** Whether the role itself changed (and not only which peer is master). */
        public boolean roleChanged() {
            return from.role() != to.role();
        }

        public Optional<UUID> master() {
            return Optional.ofNullable(to.master());
        }
    }
}

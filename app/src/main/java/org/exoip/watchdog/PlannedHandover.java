package org.exoip.watchdog;

import io.netty.channel.EventLoop;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.protocol.HandoverReply;
import org.exoip.protocol.HandoverRequest;

/**
 * An operator's planned hand-over ({@code exoip handover}): the node stays running as a backup but
 * out of the election (advertising {@link Priority#WORST}, as a stopping node does), so its peers
 * elect another; the new master attaches the Elastic IP and then detaches this instance, as on a
 * change of master, so that it is never without a holder. The hold lasts until released, for a
 * given time, or until a restart. With a wait, the holders this node reads are watched until the
 * new holder is alone, and that is told back to the requester.
 *
 * <p>Concurrency: every method runs on the engine's event loop.
 */
final class PlannedHandover {

    private static final Logger LOG = LogManager.getLogger(PlannedHandover.class);
    /** How often the watch looks at the holders last read. */
    private static final Duration WATCH_STEP = Duration.ofMillis(20);
    /** How often the watch asks the reconcilers for a fresh read. */
    private static final Duration READ_STEP = Duration.ofMillis(500);

    private final List<ElasticIpElection> elections;
    private final UUID self;
    private final EventLoop loop;
    private final LongSupplier nanos;
    private final Supplier<Instant> wall;
    private final Runnable advertise;
    private final BiConsumer<InetSocketAddress, HandoverReply> reply;
    /** When each held address comes back (wall clock, for info), or null while held until released. */
    private final Map<Inet4Address, Hold> holds = new HashMap<>();

    private record Hold(Optional<Instant> until, ScheduledFuture<?> expiry) {
    }

    PlannedHandover(List<ElasticIpElection> elections, UUID self, EventLoop loop, LongSupplier nanos,
            Supplier<Instant> wall, Runnable advertise, BiConsumer<InetSocketAddress, HandoverReply> reply) {
        this.elections = elections;
        this.self = self;
        this.loop = loop;
        this.nanos = nanos;
        this.wall = wall;
        this.advertise = advertise;
        this.reply = reply;
    }

    /** Why {@code address} is held out of the election, for info; empty when it is not. */
    Optional<String> holdReason(Inet4Address address) {
        Hold hold = holds.get(address);
        return hold == null ? Optional.empty() : Optional.of("held by exoip handover "
                + hold.until().map(t -> "until " + t).orElse("until released (exoip handover --release) or restarted"));
    }

    /** When the hold of {@code address} ends; empty when not held or held until released. */
    Optional<Instant> heldUntil(Inet4Address address) {
        Hold hold = holds.get(address);
        return hold == null ? Optional.empty() : hold.until();
    }

    boolean held(Inet4Address address) {
        return holds.containsKey(address);
    }

    /** Serves one admitted request from {@code sender}; {@code stopping}: the node is stopping. */
    void serve(InetSocketAddress sender, HandoverRequest request, boolean stopping) {
        long counter = request.counter();
        List<ElasticIpElection> chosen = elections;
        if (request.elasticIp().isPresent()) {
            Inet4Address eip = request.elasticIp().get();
            chosen = elections.stream().filter(e -> e.address().equals(eip)).toList();
            if (chosen.isEmpty()) {
                refuse(sender, counter, "this node does not keep " + eip.getHostAddress() + " (it keeps "
                        + elections.stream().map(e -> e.address().getHostAddress()).collect(Collectors.joining(", "))
                        + ")");
                return;
            }
        }
        if (request.action() == HandoverRequest.Action.RELEASE) {
            release(sender, counter, chosen);
            return;
        }
        if (stopping) {
            refuse(sender, counter, "this node is stopping: it hands over by itself");
            return;
        }
        long now = nanos.getAsLong();
        List<String> successors = new ArrayList<>();
        for (ElasticIpElection election : chosen) {
            Optional<String> refusal = check(election, request, now, successors);
            if (refusal.isPresent()) {
                refuse(sender, counter, refusal.get());
                return;
            }
        }
        Optional<Instant> until = request.hold().isZero() ? Optional.empty()
                : Optional.of(wall.get().plus(request.hold()));
        String why = "exoip handover from " + WatchdogEngine.describe(sender)
                + until.map(t -> " until " + t).orElse(" until released");
        for (ElasticIpElection election : chosen) {
            Hold before = holds.remove(election.address());
            if (before != null && before.expiry() != null) {
                before.expiry().cancel(false);
            }
            ScheduledFuture<?> expiry = request.hold().isZero() ? null : loop.schedule(
                    () -> expire(election), request.hold().toNanos(), TimeUnit.NANOSECONDS);
            holds.put(election.address(), new Hold(until, expiry));
            election.hold(true, why, now);
        }
        advertise.run();
        String describedHold = until.map(t -> "for " + request.hold().toMillis() + " ms").orElse("until released");
        reply.accept(sender, new HandoverReply(counter, HandoverReply.Status.ACCEPTED, "handing over "
                + String.join("; ", successors) + "; this node stays out of the election " + describedHold));
        if (!request.confirmWithin().isZero()) {
            watch(sender, counter, chosen, now, now + request.confirmWithin().toNanos(), now);
        }
    }

    /**
     * Why {@code election}'s address cannot be handed over as asked, or empty; adds who is expected
     * to take it to {@code successors}.
     */
    private Optional<String> check(ElasticIpElection election, HandoverRequest request, long now,
            List<String> successors) {
        String eip = election.address().getHostAddress();
        List<LivenessTracker.PeerStatus> peers = election.watchdog().peers(now);
        List<Candidate> eligible = new ArrayList<>();
        for (LivenessTracker.PeerStatus peer : peers) {
            if (peer.alive() && peer.id() != null && peer.priority() >= 0 && peer.priority() < Priority.WORST) {
                eligible.add(new Candidate(peer.id(), peer.priority()));
            }
        }
        if (eligible.isEmpty()) {
            return Optional.of("no eligible node for " + eip + ": no alive peer advertises a priority below "
                    + Priority.WORST + " (" + (peers.isEmpty() ? "no peers" : peers.stream().map(this::describe)
                            .collect(Collectors.joining(", "))) + ")");
        }
        Candidate winner = Election.winner(new Candidate(self, Priority.WORST), eligible,
                election.watchdog().rules().ranking());
        if (request.targeted()) {
            Optional<LivenessTracker.PeerStatus> target = peers.stream().filter(p -> request.toId()
                    .map(id -> id.equals(p.id())).orElse(false) || request.toAddress()
                    .map(a -> a.equals(p.address())).orElse(false)).findFirst();
            String named = request.toId().map(UUID::toString)
                    .orElseGet(() -> request.toAddress().get().getHostAddress());
            if (target.isEmpty()) {
                return Optional.of("node " + named + " is not a peer of this node for " + eip);
            }
            LivenessTracker.PeerStatus peer = target.get();
            if (!peer.alive()) {
                return Optional.of("node " + named + " is not alive (" + describe(peer) + ")");
            }
            if (peer.priority() >= Priority.WORST || peer.id() == null) {
                return Optional.of("node " + named + " cannot take over " + eip + ": it advertises priority "
                        + peer.priority() + " (stopping, in fault or held out itself)");
            }
            if (!peer.id().equals(winner.id())) {
                return Optional.of("node " + named + " (priority " + peer.priority() + ") would not be elected for "
                        + eip + ": node " + winner.id() + " (priority " + winner.priority() + ") ranks before it; "
                        + "change the priorities or hand that node over too");
            }
        }
        successors.add(eip + (election.role() == Role.MASTER ? " (master here)" : " (not master here)") + " to "
                + winner.id() + peers.stream().filter(p -> winner.id().equals(p.id())).findFirst()
                        .map(p -> " at " + p.address().getHostAddress()).orElse(""));
        return Optional.empty();
    }

    private String describe(LivenessTracker.PeerStatus peer) {
        return peer.address().getHostAddress() + (peer.alive() ? " alive" : " dead") + " priority "
                + (peer.priority() < 0 ? "unknown" : Integer.toString(peer.priority()))
                + peer.sinceLastSeen().map(d -> String.format(Locale.ROOT, " seen %.3fs ago", d.toNanos() / 1e9))
                        .orElse(" never seen");
    }

    /**
     * Watches the holders each chosen address last read until every one is held by one other
     * instance alone (DONE), the cloud refuses (FAILED) or the deadline passes (FAILED).
     */
    private void watch(InetSocketAddress sender, long counter, List<ElasticIpElection> chosen, long start,
            long deadline, long lastRead) {
        long now = nanos.getAsLong();
        List<String> done = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (ElasticIpElection election : chosen) {
            Optional<Set<UUID>> holders = election.holders();
            String eip = election.address().getHostAddress();
            Optional<CloudReconciler.Refusal> refusal = election.refusal();
            if (refusal.isPresent()) {
                finish(sender, counter, HandoverReply.Status.FAILED, "the API refuses this node's calls for " + eip
                        + ": " + refusal.get().describe(now));
                return;
            }
            if (holders.isPresent() && holders.get().size() == 1 && !holders.get().contains(self)) {
                done.add(eip + " held by " + holders.get().iterator().next() + " alone");
            } else {
                pending.add(eip + " held by " + holders.map(h -> h.isEmpty() ? "none" : h.toString()).orElse("(not read yet)"));
            }
        }
        String took = String.format(Locale.ROOT, "%d ms", TimeUnit.NANOSECONDS.toMillis(now - start));
        if (pending.isEmpty()) {
            finish(sender, counter, HandoverReply.Status.DONE, String.join("; ", done) + " after " + took);
            return;
        }
        if (now - deadline >= 0) {
            finish(sender, counter, HandoverReply.Status.FAILED, "timeout after " + took + ": "
                    + String.join("; ", pending));
            return;
        }
        long read = lastRead;
        if (now - lastRead >= READ_STEP.toNanos()) {
            chosen.forEach(ElasticIpElection::readHoldersSoon);
            read = now;
        }
        long readAt = read;
        loop.schedule(() -> watch(sender, counter, chosen, start, deadline, readAt), WATCH_STEP.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void finish(InetSocketAddress sender, long counter, HandoverReply.Status status, String message) {
        LOG.info("Hand-over {}: {}", status == HandoverReply.Status.DONE ? "confirmed" : "failed", message);
        reply.accept(sender, new HandoverReply(counter, status, message));
    }

    private void release(InetSocketAddress sender, long counter, List<ElasticIpElection> chosen) {
        long now = nanos.getAsLong();
        List<String> released = new ArrayList<>();
        for (ElasticIpElection election : chosen) {
            Hold hold = holds.remove(election.address());
            if (hold != null) {
                if (hold.expiry() != null) {
                    hold.expiry().cancel(false);
                }
                election.hold(false, "exoip handover --release from " + WatchdogEngine.describe(sender), now);
                released.add(election.address().getHostAddress());
            }
        }
        advertise.run();
        reply.accept(sender, new HandoverReply(counter, HandoverReply.Status.DONE, released.isEmpty()
                ? "nothing to release: this node was not held out of the election"
                : "back in the election for " + String.join(", ", released)));
    }

    private void expire(ElasticIpElection election) {
        if (holds.remove(election.address()) != null) {
            election.hold(false, "the hold of exoip handover ended", nanos.getAsLong());
            advertise.run();
        }
    }

    private void refuse(InetSocketAddress sender, long counter, String why) {
        LOG.warn("Hand-over requested by {} refused: {}", WatchdogEngine.describe(sender), why);
        reply.accept(sender, new HandoverReply(counter, HandoverReply.Status.REFUSED, why));
    }
}

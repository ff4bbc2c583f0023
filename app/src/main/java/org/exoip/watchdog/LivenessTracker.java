package org.exoip.watchdog;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * When each peer was last heard from. A peer is dead after more than {@code timeout} without a
 * valid advert, and starts dead. Time is a parameter (monotonic nanoseconds), so tests use plain
 * numbers.
 *
 * <p>Not thread-safe: owned by the watchdog's event loop.
 */
public final class LivenessTracker {

    private final long timeoutNanos;
    private final Map<InetAddress, Peer> peers = new LinkedHashMap<>();

    public LivenessTracker(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("liveness timeout must be positive, got " + timeout);
        }
        this.timeoutNanos = timeout.toNanos();
    }

    /** Replaces the set of peers; peers that stay keep what was learnt of them, new ones start dead. */
    public void setPeers(Collection<InetAddress> addresses) {
        peers.keySet().retainAll(addresses);
        for (InetAddress address : addresses) {
            peers.computeIfAbsent(address, Peer::new);
        }
    }

    /** Forgets a peer, for instance an address found to be the node itself. */
    public void remove(InetAddress address) {
        peers.remove(address);
    }

    public boolean isPeer(InetAddress address) {
        return peers.containsKey(address);
    }

    /**
     * Records a valid advert from {@code from}.
     *
     * @return what was known of the sender before, or empty when the sender is not a peer (the
     *     advert is then ignored)
     */
    public Optional<PeerStatus> observe(InetAddress from, UUID id, int priority, long nanos, Instant wall) {
        Peer peer = peers.get(from);
        if (peer == null) {
            return Optional.empty();
        }
        PeerStatus before = peer.status(nanos);
        peer.id = id;
        peer.priority = priority;
        peer.lastSeenNanos = nanos;
        peer.lastSeenWall = wall;
        peer.refused = false;
        peer.graceUntilNanos = nanos;
        return Optional.of(before);
    }

    /**
     * Counts an alive peer dead now, before its dead time: its host said nothing listens on its
     * port any more. Its next valid advert makes it alive again.
     *
     * @return whether the peer was alive until now
     */
    public boolean declareDead(InetAddress address, long nanos) {
        Peer peer = peers.get(address);
        if (peer == null || !peer.isAlive(nanos)) {
            return false;
        }
        peer.refused = true;
        return true;
    }

    /**
     * This node did not run from {@code stalledSinceNanos} to now (a stopped process, a long pause):
     * the adverts of that time may still wait in its sockets. Every peer that was alive when the
     * stall began stays alive at least until {@code untilNanos}, so that its waiting or next advert
     * is read before it is judged; a peer dead before the stall stays dead.
     *
     * @return how many peers were given that grace
     */
    public int forgiveStall(long stalledSinceNanos, long untilNanos) {
        int forgiven = 0;
        for (Peer peer : peers.values()) {
            if (peer.isAlive(stalledSinceNanos) && peer.deadFrom() - untilNanos < 0) {
                peer.graceUntilNanos = untilNanos;
                forgiven++;
            }
        }
        return forgiven;
    }

    /** Whether {@code address} is a peer alive at {@code nanos}. */
    public boolean isAlive(InetAddress address, long nanos) {
        Peer peer = peers.get(address);
        return peer != null && peer.isAlive(nanos);
    }

    /** The alive peers as election candidates. */
    public List<Candidate> alive(long nanos) {
        List<Candidate> alive = new ArrayList<>();
        for (Peer peer : peers.values()) {
            if (peer.isAlive(nanos)) {
                alive.add(new Candidate(peer.id, peer.priority));
            }
        }
        return alive;
    }

    /**
     * The first moment (monotonic nanoseconds) at which a peer alive at {@code nanos} turns dead
     * if it stays silent, or empty when none is alive.
     */
    public OptionalLong nextExpiry(long nanos) {
        boolean any = false;
        long earliest = 0;
        for (Peer peer : peers.values()) {
            if (peer.isAlive(nanos)) {
                long expiry = peer.deadFrom();
                if (!any || expiry - earliest < 0) {
                    earliest = expiry;
                    any = true;
                }
            }
        }
        return any ? OptionalLong.of(earliest) : OptionalLong.empty();
    }

    /** Every peer's status, in a stable order, for {@code info} and transitions. */
    public List<PeerStatus> statuses(long nanos) {
        List<PeerStatus> all = new ArrayList<>(peers.size());
        for (Peer peer : peers.values()) {
            all.add(peer.status(nanos));
        }
        return all;
    }

    /** The addresses adverts are sent to. */
    public List<InetAddress> addresses() {
        return List.copyOf(peers.keySet());
    }

    /** What is known of one peer at a given time. */
    public record PeerStatus(InetAddress address, UUID id, int priority, boolean alive,
            Optional<Duration> sinceLastSeen, Optional<Instant> lastSeenWall) {

        /**
         * The same peer as two Elastic IPs' elections see it, as one: alive when alive for either,
         * id and priority this one's when known, last seen at the later of the two.
         */
        public PeerStatus mergedWith(PeerStatus other) {
            boolean mineNewer = other.sinceLastSeen.isEmpty() || sinceLastSeen.isPresent()
                    && sinceLastSeen.get().compareTo(other.sinceLastSeen.get()) <= 0;
            return new PeerStatus(address, id != null ? id : other.id, priority >= 0 ? priority : other.priority,
                    alive || other.alive, mineNewer ? sinceLastSeen : other.sinceLastSeen,
                    mineNewer ? lastSeenWall : other.lastSeenWall);
        }
    }

    private final class Peer {
        final InetAddress address;
        UUID id;
        int priority = -1;
        long lastSeenNanos;
        Instant lastSeenWall;
        /** Declared dead before its time (its port refused); cleared by its next advert. */
        boolean refused;
        /** Alive at least until then, whatever its last advert (a stall of this node, {@link #forgiveStall}). */
        long graceUntilNanos;

        Peer(InetAddress address) {
            this.address = address;
        }

        /** The first moment this peer counts as dead if it stays silent: more than the timeout after its last advert. */
        long deadFrom() {
            long byAdvert = lastSeenNanos + timeoutNanos + 1;
            return graceUntilNanos - byAdvert > 0 ? graceUntilNanos : byAdvert;
        }

        boolean isAlive(long nanos) {
            // Overflow-safe: compare the difference, never the absolute values.
            return lastSeenWall != null && !refused && nanos - deadFrom() < 0;
        }

        PeerStatus status(long nanos) {
            Optional<Duration> since = lastSeenWall == null
                    ? Optional.empty() : Optional.of(Duration.ofNanos(nanos - lastSeenNanos));
            return new PeerStatus(address, id, priority, isAlive(nanos), since, Optional.ofNullable(lastSeenWall));
        }
    }
}

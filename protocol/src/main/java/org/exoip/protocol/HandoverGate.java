package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Who may ask a node to hand over: a request from this host ({@code thisHost}) may be unsigned; from
 * anywhere else it must be signed with the advert key, its counter (the sender's wall-clock
 * microseconds) within {@link #FRESHNESS} of this node's clock and above the last one accepted.
 * Everything else is refused and counted, like a bad advert.
 *
 * <p>The freshness window bounds what a node that restarted (and forgot the last counter) can be
 * made to accept again; the counter makes a request count once. Not thread-safe: owned by the
 * decoder's event loop, like the {@link ReplayGuard} it shares.
 */
public final class HandoverGate {

    /** How far a signed request's counter may be from this node's clock: the clocks must agree that well. */
    public static final Duration FRESHNESS = Duration.ofSeconds(30);
    /** The replay guard's sender for operators' requests: no instance has an all-zero id. */
    static final UUID OPERATOR = new UUID(0, 0);
    static final String UNSIGNED_DETAIL = "unsigned hand-over request from an address that is not this host's "
            + "(expected: sent from 127.0.0.1 or the node's own address, or signed with the advert key)";

    private final HandoverCodec codec;
    private final Predicate<InetAddress> thisHost;
    private final ReplayGuard replayGuard;
    private final Clock wallClock;

    /**
     * @param thisHost tells whether a source address is this host's own (loopback or the node's address)
     */
    public HandoverGate(Optional<AdvertKeys> keys, Predicate<InetAddress> thisHost, ReplayGuard replayGuard,
            Clock wallClock) {
        this.codec = new HandoverCodec(keys);
        this.thisHost = Objects.requireNonNull(thisHost, "thisHost");
        this.replayGuard = Objects.requireNonNull(replayGuard, "replayGuard");
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
    }

    /**
     * This host, as the sender of an unsigned request: {@code 127.0.0.1}, {@code ::1}, or an address
     * {@code own} says is the node's. Other 127/8 addresses are not: a local process binding them is
     * as good as a stranger for this purpose, and tests can send from them.
     */
    public static Predicate<InetAddress> thisHost(Predicate<InetAddress> own) {
        return address -> {
            byte[] bytes = address.getAddress();
            boolean loopback = bytes.length == 4 ? bytes[0] == 127 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 1
                    : address.isLoopbackAddress();
            return loopback || own.test(address);
        };
    }

    /** The request, or why it was refused (counted in {@code counters}). Never throws. */
    public Inbound admit(InetSocketAddress sender, ByteBuf content, RejectionCounters counters) {
        try {
            HandoverCodec.Decoded decoded = codec.decode(content);
            if (!decoded.signed()) {
                if (!thisHost.test(sender.getAddress())) {
                    throw new AdvertRejectedException(RejectReason.UNSIGNED_REQUEST, UNSIGNED_DETAIL);
                }
            } else {
                fresh(decoded.request().counter());
            }
            return new HandoverRequested(sender, decoded.request(), decoded.signed());
        } catch (AdvertRejectedException e) {
            counters.increment(e.reason());
            return new DatagramRejected(sender, e.reason(), e.getMessage());
        }
    }

    private void fresh(long counter) {
        long now = AuthenticatedAdvertCodec.firstCounter(wallClock);
        long window = FRESHNESS.toNanos() / 1_000;
        if (Math.abs(now - counter) > window) {
            throw new AdvertRejectedException(RejectReason.REPLAY, "hand-over request counter "
                    + Long.toUnsignedString(counter) + " is " + (now - counter) / 1_000_000 + " s away from this "
                    + "node's clock (expected: within " + FRESHNESS.toSeconds() + " s; replayed, or the clocks differ)");
        }
        // Last, so that only a request valid in every other way uses up its counter.
        if (!replayGuard.accept(OPERATOR, counter)) {
            throw new AdvertRejectedException(RejectReason.REPLAY, "hand-over request counter "
                    + Long.toUnsignedString(counter) + " is not above the last accepted (replayed or stale)");
        }
    }
}

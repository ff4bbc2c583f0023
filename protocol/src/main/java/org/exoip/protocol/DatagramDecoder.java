package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Turns each received {@link DatagramPacket} into exactly one {@link Inbound}: an
 * {@link InfoRequested}, a {@link HandoverRequested}, an {@link AdvertReceived} or a counted
 * {@link DatagramRejected}.
 *
 * <p>In this order: an {@code info} query is answered whoever asks; a hand-over request is judged
 * by its {@link HandoverGate} (its own version bytes tell it apart); a datagram from an address
 * that is not a known sender is rejected as {@link RejectReason#UNKNOWN_SENDER} whatever it
 * contains, before any decoding (and before any tag is computed); then the advert is decoded. With
 * {@link AdvertKeys} only authenticated adverts are accepted, each with a counter above the last
 * one accepted from its sender; without, only the plain 24-byte advert of the original.
 *
 * <p>Concurrency: {@link #decode} is called by Netty on the channel's event loop and never
 * blocks; the known-sender test is called there too. Not sharable: with keys it holds a MAC and the
 * senders' counters, so give each pipeline its own instance (the counters may be shared, they are
 * thread-safe). Whatever the content, it never throws and never closes the channel: a UDP server
 * keeps serving after a bad packet. It does not log either, so that a flood of junk cannot flood
 * the log; the receiver of {@link DatagramRejected} decides what to log. The packet is released by
 * {@link MessageToMessageDecoder}; the emitted records hold no buffers. Packets must carry their
 * sender, as every packet read from a datagram channel does.
 */
public final class DatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {

    /** The same text for every datagram from a stranger: a flood of them builds no strings. */
    static final String UNKNOWN_SENDER_DETAIL = "datagram from an address that is not a peer (expected: a peer)";

    private final ElasticIpSet expected;
    private final RejectionCounters counters;
    private final Predicate<InetAddress> knownSender;
    private final AuthenticatedAdvertCodec authenticated;
    private final ReplayGuard replayGuard;
    private final HandoverGate handovers;

    /** Plain adverts from any sender (tests and tools). */
    public DatagramDecoder(Inet4Address expectedElasticIp, RejectionCounters counters) {
        this(expectedElasticIp, counters, address -> true, Optional.empty());
    }

    /**
     * @param knownSender tells whether a source address is a peer's; called on the event loop
     * @param keys        present: accept only authenticated adverts; empty: only plain ones
     */
    public DatagramDecoder(Inet4Address expectedElasticIp, RejectionCounters counters,
            Predicate<InetAddress> knownSender, Optional<AdvertKeys> keys) {
        this(expectedElasticIp, counters, knownSender, keys, new ReplayGuard());
    }

    /**
     * As above, with the senders' counters in {@code replayGuard}: decoders of several sockets on
     * one event loop share it, so that an advert accepted on one is a replay on all.
     */
    public DatagramDecoder(Inet4Address expectedElasticIp, RejectionCounters counters,
            Predicate<InetAddress> knownSender, Optional<AdvertKeys> keys, ReplayGuard replayGuard) {
        this(ElasticIpSet.of(Objects.requireNonNull(expectedElasticIp, "expectedElasticIp")), counters, knownSender,
                keys, replayGuard);
    }

    /** As above, for a node keeping several Elastic IPs: an advert about any of {@code expected} is decoded. */
    public DatagramDecoder(ElasticIpSet expected, RejectionCounters counters,
            Predicate<InetAddress> knownSender, Optional<AdvertKeys> keys, ReplayGuard replayGuard) {
        this(expected, counters, knownSender, keys, replayGuard, new HandoverGate(keys,
                HandoverGate.thisHost(address -> false), replayGuard, Clock.systemUTC()));
    }

    /** As above, with hand-over requests admitted by {@code handovers} (which knows the node's own addresses). */
    public DatagramDecoder(ElasticIpSet expected, RejectionCounters counters,
            Predicate<InetAddress> knownSender, Optional<AdvertKeys> keys, ReplayGuard replayGuard,
            HandoverGate handovers) {
        this.handovers = Objects.requireNonNull(handovers, "handovers");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.knownSender = Objects.requireNonNull(knownSender, "knownSender");
        this.authenticated = keys.map(AuthenticatedAdvertCodec::new).orElse(null);
        this.replayGuard = Objects.requireNonNull(replayGuard, "replayGuard");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        ByteBuf content = packet.content();
        // The query first: at 4 to 11 bytes it could only ever be rejected as an advert.
        Optional<InfoRequested.Format> info = InfoQuery.format(content);
        if (info.isPresent()) {
            out.add(new InfoRequested(packet.sender(), info.get()));
            return;
        }
        // Before the peer test: an operator's host need not be a peer; the gate judges the sender.
        if (HandoverCodec.matches(content)) {
            out.add(handovers.admit(packet.sender(), content, counters));
            return;
        }
        if (!knownSender.test(packet.sender().getAddress())) {
            counters.increment(RejectReason.UNKNOWN_SENDER);
            out.add(new DatagramRejected(packet.sender(), RejectReason.UNKNOWN_SENDER, UNKNOWN_SENDER_DETAIL));
            return;
        }
        try {
            Advert advert = authenticated == null
                    ? AdvertCodec.decode(content, expected)
                    : fresh(authenticated.decode(content, expected));
            out.add(new AdvertReceived(packet.sender(), advert));
        } catch (AdvertRejectedException e) {
            counters.increment(e.reason());
            out.add(new DatagramRejected(packet.sender(), e.reason(), e.getMessage()));
        }
    }

    /** Last, so that only an advert valid in every other way uses up its counter. */
    private Advert fresh(SignedAdvert signed) {
        Advert advert = signed.advert();
        if (!replayGuard.accept(advert.instanceId(), advert.elasticIp(), signed.counter())) {
            throw new AdvertRejectedException(RejectReason.REPLAY, "advert counter "
                    + Long.toUnsignedString(signed.counter()) + " from " + advert.instanceId()
                    + " is not above the last accepted, " + Long.toUnsignedString(
                            replayGuard.last(advert.instanceId(), advert.elasticIp()).orElse(0))
                    + " (replayed or stale)");
        }
        return advert;
    }
}

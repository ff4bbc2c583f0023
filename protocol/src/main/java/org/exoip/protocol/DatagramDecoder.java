package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;

/**
 * Turns each received {@link DatagramPacket} into exactly one {@link Inbound}: an
 * {@link InfoRequested}, an {@link AdvertReceived} or a counted {@link DatagramRejected}.
 *
 * <p>Concurrency: {@link #decode} is called by Netty on the channel's event loop and never
 * blocks. The handler holds no per-channel state (its counters are thread-safe), so one instance
 * may sit in several pipelines. Whatever the content, it never throws and never closes the
 * channel: a UDP server keeps serving after a bad packet. It does not log either, so that a flood
 * of junk cannot flood the log; the receiver of {@link DatagramRejected} decides what to log.
 * The packet is released by {@link MessageToMessageDecoder}; the emitted records hold no buffers.
 * Packets must carry their sender, as every packet read from a datagram channel does.
 */
@Sharable
public final class DatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {

    private final Inet4Address expectedElasticIp;
    private final RejectionCounters counters;

    public DatagramDecoder(Inet4Address expectedElasticIp, RejectionCounters counters) {
        this.expectedElasticIp = Objects.requireNonNull(expectedElasticIp, "expectedElasticIp");
        this.counters = Objects.requireNonNull(counters, "counters");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        ByteBuf content = packet.content();
        // The query first: at 4 to 6 bytes it could only ever be rejected as an advert.
        if (InfoQuery.matches(content)) {
            out.add(new InfoRequested(packet.sender()));
            return;
        }
        try {
            out.add(new AdvertReceived(packet.sender(), AdvertCodec.decode(content, expectedElasticIp)));
        } catch (AdvertRejectedException e) {
            counters.increment(e.reason());
            out.add(new DatagramRejected(packet.sender(), e.reason(), e.getMessage()));
        }
    }
}

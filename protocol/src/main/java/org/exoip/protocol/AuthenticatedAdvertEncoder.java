package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Turns an {@link OutboundAdvert} into a 64-byte authenticated {@link DatagramPacket}, each with
 * the next value of this sender's counter.
 *
 * <p>Like {@link AdvertEncoder} it matches {@link OutboundAdvert} only. Not sharable: it holds the
 * counter and a MAC. Called on the channel's event loop and never blocks.
 */
public final class AuthenticatedAdvertEncoder extends MessageToMessageEncoder<OutboundAdvert> {

    private final AuthenticatedAdvertCodec codec;
    private long counter;

    /**
     * @param firstCounter the counter of the first advert, for example {@link
     *     AuthenticatedAdvertCodec#firstCounter}; 1 is added per advert
     */
    public AuthenticatedAdvertEncoder(AdvertKeys keys, long firstCounter) {
        this.codec = new AuthenticatedAdvertCodec(keys);
        this.counter = firstCounter;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutboundAdvert msg, List<Object> out) {
        ByteBuf buf = ctx.alloc().buffer(AuthenticatedAdvertCodec.LENGTH, AuthenticatedAdvertCodec.LENGTH);
        try {
            // One counter value per datagram: each peer sees the counter grow, whatever the others get.
            codec.encode(msg.advert(), counter++, buf);
            out.add(new DatagramPacket(buf, msg.recipient()));
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /** The counter the next advert will carry. */
    public long nextCounter() {
        return counter;
    }
}

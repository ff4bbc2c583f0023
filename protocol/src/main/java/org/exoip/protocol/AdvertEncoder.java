package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Turns an {@link OutboundAdvert} into a 24-byte {@link DatagramPacket} for its recipient.
 *
 * <p>It matches {@link OutboundAdvert} only: other writes, such as the plain {@link DatagramPacket}
 * of an {@code info} reply, pass through untouched. Stateless, so one instance may be shared;
 * called on the channel's event loop and never blocks.
 */
@Sharable
public final class AdvertEncoder extends MessageToMessageEncoder<OutboundAdvert> {

    @Override
    protected void encode(ChannelHandlerContext ctx, OutboundAdvert msg, List<Object> out) {
        ByteBuf buf = ctx.alloc().buffer(AdvertCodec.LENGTH, AdvertCodec.LENGTH);
        try {
            AdvertCodec.encode(msg.advert(), buf);
            out.add(new DatagramPacket(buf, msg.recipient()));
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }
}

package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.PEER;
import static org.exoip.protocol.Fixtures.SELF;
import static org.exoip.protocol.Fixtures.WORKED_ADVERT;
import static org.exoip.protocol.Fixtures.WORKED_HEX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdvertEncoderTest {

    @Test
    void writesTheWorkedExampleToTheRecipient() {
        EmbeddedChannel channel = new EmbeddedChannel(new AdvertEncoder());
        assertTrue(channel.writeOutbound(new OutboundAdvert(WORKED_ADVERT, PEER)));

        DatagramPacket packet = channel.readOutbound();
        try {
            assertEquals(PEER, packet.recipient());
            assertEquals(WORKED_HEX, ByteBufUtil.hexDump(packet.content()));
        } finally {
            packet.release();
        }
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 10, 255})
    void roundTripsThroughEncoderThenDecoder(int priority) {
        RejectionCounters counters = new RejectionCounters();
        // The engine's pipeline: one channel holding both directions.
        EmbeddedChannel channel = new EmbeddedChannel(new AdvertEncoder(), new DatagramDecoder(EIP, counters));
        Advert advert = new Advert(priority, EIP, INSTANCE_ID);

        channel.writeOutbound(new OutboundAdvert(advert, PEER));
        DatagramPacket sent = channel.readOutbound();
        // What the peer would receive: the same bytes, now with a sender. Ownership moves along.
        channel.writeInbound(new DatagramPacket(sent.content(), PEER, SELF));

        assertEquals(new AdvertReceived(SELF, advert), channel.readInbound());
        assertEquals(0, sent.refCnt());
        assertEquals(0, counters.total());
        assertFalse(channel.finish());
    }

    @Test
    void plainDatagramPassesUntouched() {
        EmbeddedChannel channel = new EmbeddedChannel(new AdvertEncoder(), new DatagramDecoder(EIP, new RejectionCounters()));
        DatagramPacket reply = new DatagramPacket(Unpooled.copiedBuffer("state: MASTER\n", StandardCharsets.US_ASCII), PEER);

        assertTrue(channel.writeOutbound(reply));

        DatagramPacket written = channel.readOutbound();
        try {
            assertSame(reply, written);
            assertEquals(1, written.refCnt());
            assertEquals("state: MASTER\n", written.content().toString(StandardCharsets.US_ASCII));
        } finally {
            written.release();
        }
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
    }
}

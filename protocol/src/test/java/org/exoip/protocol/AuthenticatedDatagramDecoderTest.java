package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.KEY;
import static org.exoip.protocol.Fixtures.OTHER_KEY;
import static org.exoip.protocol.Fixtures.PEER;
import static org.exoip.protocol.Fixtures.SELF;
import static org.exoip.protocol.Fixtures.WORKED_ADVERT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decoder of a node with a key, and the encoder of its peers, through EmbeddedChannel. */
class AuthenticatedDatagramDecoderTest {

    private static final long START = 1_735_787_045_000_000L;

    private final RejectionCounters counters = new RejectionCounters();
    private final EmbeddedChannel node = new EmbeddedChannel(new DatagramDecoder(EIP, counters,
            address -> address.equals(PEER.getAddress()), Optional.of(new AdvertKeys(KEY))));

    @Test
    void acceptsWhatThePeersEncoderSends() {
        EmbeddedChannel peer = new EmbeddedChannel(new AuthenticatedAdvertEncoder(new AdvertKeys(KEY), START));
        for (int i = 0; i < 3; i++) {
            assertEquals(new AdvertReceived(PEER, WORKED_ADVERT), deliver(sent(peer)));
        }
        assertEquals(0, counters.total());
        assertFalse(peer.finish());
        assertFalse(node.finish());
    }

    @Test
    void theEncoderCountsOnePerDatagram() {
        AuthenticatedAdvertEncoder encoder = new AuthenticatedAdvertEncoder(new AdvertKeys(KEY), START);
        EmbeddedChannel peer = new EmbeddedChannel(encoder);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = sent(peer);
            assertEquals(START + i, Unpooled.wrappedBuffer(bytes).getLong(AuthenticatedAdvertCodec.COUNTER_OFFSET));
        }
        assertEquals(START + 3, encoder.nextCounter());
        assertFalse(peer.finish());
    }

    @Test
    void aForgedPlainAdvertIsUnauthenticated() {
        DatagramRejected rejected = assertInstanceOf(DatagramRejected.class,
                deliver(AdvertCodec.encode(WORKED_ADVERT.withPriority(0))));
        assertEquals(RejectReason.UNAUTHENTICATED, rejected.reason());
        assertEquals(1, counters.count(RejectReason.UNAUTHENTICATED));
    }

    @Test
    void aWrongTagIsRejected() {
        byte[] forged = new AuthenticatedAdvertCodec(new AdvertKeys(OTHER_KEY)).encode(WORKED_ADVERT.withPriority(0),
                Long.MAX_VALUE);
        assertEquals(RejectReason.BAD_TAG, assertInstanceOf(DatagramRejected.class, deliver(forged)).reason());
        assertEquals(1, counters.count(RejectReason.BAD_TAG));
    }

    @Test
    void aReplayIsRejectedAndDoesNotBlockLaterAdverts() {
        AuthenticatedAdvertCodec peer = new AuthenticatedAdvertCodec(new AdvertKeys(KEY));
        byte[] recorded = peer.encode(WORKED_ADVERT.withPriority(0), START);
        assertInstanceOf(AdvertReceived.class, deliver(recorded));

        DatagramRejected replayed = assertInstanceOf(DatagramRejected.class, deliver(recorded));
        assertEquals(RejectReason.REPLAY, replayed.reason());
        assertEquals("advert counter " + START + " from " + WORKED_ADVERT.instanceId()
                + " is not above the last accepted, " + START + " (replayed or stale)", replayed.detail());
        DatagramRejected stale = assertInstanceOf(DatagramRejected.class, deliver(peer.encode(WORKED_ADVERT, START - 1)));
        assertEquals(RejectReason.REPLAY, stale.reason());

        assertInstanceOf(AdvertReceived.class, deliver(peer.encode(WORKED_ADVERT, START + 1)));
        assertEquals(2, counters.count(RejectReason.REPLAY));
        assertEquals(2, counters.total());
    }

    @Test
    void aRestartedSenderIsAcceptedAgain() {
        EmbeddedChannel firstRun = new EmbeddedChannel(new AuthenticatedAdvertEncoder(new AdvertKeys(KEY), START));
        for (int i = 0; i < 10; i++) {
            assertInstanceOf(AdvertReceived.class, deliver(sent(firstRun)));
        }
        // Restarted one second later: a new encoder, its counter from the wall clock again.
        EmbeddedChannel secondRun = new EmbeddedChannel(
                new AuthenticatedAdvertEncoder(new AdvertKeys(KEY), START + 1_000_000));
        assertEquals(new AdvertReceived(PEER, WORKED_ADVERT), deliver(sent(secondRun)));
        assertEquals(0, counters.total());
    }

    @Test
    void anAdvertInvalidOtherwiseDoesNotUseUpItsCounter() {
        AuthenticatedAdvertCodec peer = new AuthenticatedAdvertCodec(new AdvertKeys(KEY));
        Advert otherEip = new Advert(10, Fixtures.ip("198.51.100.99"), WORKED_ADVERT.instanceId());
        assertEquals(RejectReason.OTHER_ELASTIC_IP,
                assertInstanceOf(DatagramRejected.class, deliver(peer.encode(otherEip, START + 5))).reason());
        assertInstanceOf(AdvertReceived.class, deliver(peer.encode(WORKED_ADVERT, START)));
    }

    @Test
    void decodersSharingAGuardSeeEachOthersCounters() {
        ReplayGuard shared = new ReplayGuard();
        EmbeddedChannel peerSocket = new EmbeddedChannel(new DatagramDecoder(EIP, counters, address -> true,
                Optional.of(new AdvertKeys(KEY)), shared));
        EmbeddedChannel mainSocket = new EmbeddedChannel(new DatagramDecoder(EIP, counters, address -> true,
                Optional.of(new AdvertKeys(KEY)), shared));
        byte[] advert = new AuthenticatedAdvertCodec(new AdvertKeys(KEY)).encode(WORKED_ADVERT, START);
        peerSocket.writeInbound(received(advert));
        assertInstanceOf(AdvertReceived.class, peerSocket.readInbound());
        mainSocket.writeInbound(received(advert));
        assertEquals(RejectReason.REPLAY, assertInstanceOf(DatagramRejected.class, mainSocket.readInbound()).reason());
        assertFalse(peerSocket.finish());
        assertFalse(mainSocket.finish());
    }

    @Test
    void duringRotationBothKeysAreAccepted() {
        EmbeddedChannel rotating = new EmbeddedChannel(new DatagramDecoder(EIP, counters, address -> true,
                Optional.of(new AdvertKeys(KEY, List.of(OTHER_KEY)))));
        long counter = START;
        for (byte[] key : List.of(KEY, OTHER_KEY)) {
            byte[] bytes = new AuthenticatedAdvertCodec(new AdvertKeys(key)).encode(WORKED_ADVERT, counter++);
            rotating.writeInbound(received(bytes));
            assertInstanceOf(AdvertReceived.class, rotating.readInbound());
        }
        assertEquals(0, counters.total());
        assertFalse(rotating.finish());
    }

    @Test
    void garbageNeverEscapesThePipeline() {
        Random random = new Random(0xa17);
        for (int length = 0; length <= 80; length++) {
            for (int round = 0; round < 20; round++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                if (length >= 4 && round % 2 == 0) {
                    bytes[0] = 0x02;
                    bytes[1] = 0x02;
                }
                assertInstanceOf(DatagramRejected.class, deliver(bytes));
            }
        }
        node.checkException();
        assertTrue(node.isOpen());
        assertFalse(node.finish());
    }

    private Object deliver(byte[] bytes) {
        DatagramPacket packet = received(bytes);
        node.writeInbound(packet);
        Object event = node.readInbound();
        assertNull(node.readInbound(), "exactly one event per datagram");
        assertEquals(0, packet.refCnt());
        return event;
    }

    private static byte[] sent(EmbeddedChannel peer) {
        assertTrue(peer.writeOutbound(new OutboundAdvert(WORKED_ADVERT, PEER)));
        DatagramPacket packet = peer.readOutbound();
        try {
            assertEquals(AuthenticatedAdvertCodec.LENGTH, packet.content().readableBytes());
            return ByteBufUtil.getBytes(packet.content());
        } finally {
            packet.release();
        }
    }

    private static DatagramPacket received(byte[] bytes) {
        return new DatagramPacket(Unpooled.buffer(bytes.length).writeBytes(bytes), SELF, PEER);
    }
}

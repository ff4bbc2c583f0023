package org.exoip.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Fuzz tests of the receive path: whatever a datagram holds, the decoder emits exactly one event,
 * never throws, releases the packet, and accepts only what encodes back to the very same bytes.
 *
 * <p>In a plain build the seeds (the empty input and the files under {@code AdvertFuzzTestInputs/})
 * run as ordinary tests. {@code JAZZER_FUZZ=1 mvn -pl protocol test -Dtest='AdvertFuzzTest#decodePlain'}
 * fuzzes one method for its {@code maxDuration}; README.md ("Fuzzing") has the long run.
 */
class AdvertFuzzTest {

    private static final AdvertKeys KEYS = new AdvertKeys(Fixtures.KEY, List.of(Fixtures.OTHER_KEY));

    /** The original's 24-byte format, as a node without a key decodes it (the info query included). */
    @FuzzTest(maxDuration = "20s")
    void decodePlain(byte[] datagram) {
        RejectionCounters counters = new RejectionCounters();
        Object event = decodeOnce(new DatagramDecoder(Fixtures.EIP, counters), datagram);
        if (event instanceof AdvertReceived received) {
            assertArrayEquals(datagram, AdvertCodec.encode(received.advert()), "accepted only in canonical form");
            assertEquals(0, counters.total());
        } else if (event instanceof InfoRequested) {
            assertTrue(InfoQuery.matches(Unpooled.wrappedBuffer(datagram)));
            assertEquals(0, counters.total());
        } else if (event instanceof HandoverRequested handover) {
            assertUnsignedHandoverFromThisHost(handover, datagram, counters);
        } else {
            assertInstanceOf(DatagramRejected.class, event);
            assertEquals(1, counters.total(), "every rejection counted once");
        }
    }

    /** The authenticated 64-byte format, as a node with keys decodes it: nothing unsigned gets through. */
    @FuzzTest(maxDuration = "20s")
    void decodeAuthenticated(byte[] datagram) {
        RejectionCounters counters = new RejectionCounters();
        Object event = decodeOnce(new DatagramDecoder(Fixtures.EIP, counters, address -> true, Optional.of(KEYS)),
                datagram);
        if (event instanceof AdvertReceived received) {
            // Only what one of the keys signed, byte for byte (a seed); the fuzzer does not know the keys.
            long counter = Unpooled.wrappedBuffer(datagram).getLong(AuthenticatedAdvertCodec.COUNTER_OFFSET);
            boolean signed = Arrays.equals(datagram, new AuthenticatedAdvertCodec(new AdvertKeys(Fixtures.KEY))
                    .encode(received.advert(), counter)) || Arrays.equals(datagram, new AuthenticatedAdvertCodec(
                    new AdvertKeys(Fixtures.OTHER_KEY)).encode(received.advert(), counter));
            assertTrue(signed, "a forged advert was accepted: " + Arrays.toString(datagram));
            return;
        }
        if (event instanceof HandoverRequested handover) {
            assertUnsignedHandoverFromThisHost(handover, datagram, counters);
        } else if (!(event instanceof InfoRequested)) {
            assertEquals(1, counters.total());
        }
    }

    /**
     * An unsigned hand-over request from this host (the test's sender counts as this host) is
     * admitted: its own version bytes and length, nothing counted against it; the fuzzer cannot
     * sign one.
     */
    private static void assertUnsignedHandoverFromThisHost(HandoverRequested handover, byte[] datagram,
            RejectionCounters counters) {
        assertFalse(handover.signed());
        assertEquals(HandoverCodec.UNSIGNED_LENGTH, datagram.length);
        assertEquals(HandoverCodec.UNSIGNED_VERSION, ((datagram[0] & 0xff) << 8) | (datagram[1] & 0xff));
        assertEquals(0, counters.total());
    }

    /**
     * Signed adverts built from the fuzzer's data, then possibly altered: accepted exactly when
     * untouched and fresh, whatever the alteration.
     */
    @FuzzTest(maxDuration = "20s")
    void decodeSignedAndAltered(FuzzedDataProvider data) {
        AuthenticatedAdvertCodec peer = new AuthenticatedAdvertCodec(new AdvertKeys(
                data.consumeBoolean() ? Fixtures.KEY : Fixtures.OTHER_KEY));
        Advert advert = new Advert(data.consumeInt(0, 255), Fixtures.EIP, new UUID(data.consumeLong(),
                data.consumeLong()));
        long counter = data.consumeLong();
        byte[] bytes = peer.encode(advert, counter);
        byte[] sent = bytes.clone();
        int flips = data.consumeInt(0, 3);
        for (int i = 0; i < flips; i++) {
            sent[data.consumeInt(0, sent.length - 1)] ^= data.consumeByte();
        }
        byte[] tail = data.consumeRemainingAsBytes();
        if (tail.length > 0 && tail[0] % 2 == 0) {
            sent = Arrays.copyOf(sent, sent.length + tail.length - 1);
        }
        RejectionCounters counters = new RejectionCounters();
        DatagramDecoder decoder = new DatagramDecoder(Fixtures.EIP, counters, address -> true, Optional.of(KEYS));
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        Object first = deliver(channel, sent);
        if (Arrays.equals(sent, bytes)) {
            assertEquals(new AdvertReceived(Fixtures.PEER, advert), first);
            DatagramRejected again = assertInstanceOf(DatagramRejected.class, deliver(channel, sent));
            assertEquals(RejectReason.REPLAY, again.reason());
        } else {
            assertInstanceOf(DatagramRejected.class, first);
        }
        channel.checkException();
        assertFalse(channel.finish());
    }

    /** The {@code info} query: recognised exactly for its three spellings, and never as anything else. */
    @FuzzTest(maxDuration = "20s")
    void infoQuery(byte[] datagram) {
        String text = new String(datagram, StandardCharsets.ISO_8859_1);
        boolean expected = text.equals("info") || text.equals("info\n") || text.equals("info\r\n");
        assertEquals(expected, InfoQuery.matches(Unpooled.wrappedBuffer(datagram)));
        Object event = decodeOnce(new DatagramDecoder(Fixtures.EIP, new RejectionCounters(), address -> false,
                Optional.of(KEYS)), datagram);
        assertEquals(expected, event instanceof InfoRequested, "from anyone, with or without a key");
    }

    private static Object decodeOnce(DatagramDecoder decoder, byte[] datagram) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        Object event = deliver(channel, datagram);
        channel.checkException();
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
        return event;
    }

    private static Object deliver(EmbeddedChannel channel, byte[] datagram) {
        DatagramPacket packet = new DatagramPacket(Unpooled.buffer(datagram.length).writeBytes(datagram),
                Fixtures.SELF, Fixtures.PEER);
        channel.writeInbound(packet);
        Object event = channel.readInbound();
        assertInstanceOf(Inbound.class, event);
        assertNull(channel.readInbound(), "exactly one event per datagram");
        assertEquals(0, packet.refCnt(), "released");
        return event;
    }
}

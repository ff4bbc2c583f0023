package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.PEER;
import static org.exoip.protocol.Fixtures.SELF;
import static org.exoip.protocol.Fixtures.WORKED_ADVERT;
import static org.exoip.protocol.Fixtures.hex;
import static org.exoip.protocol.Fixtures.workedBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DatagramDecoderTest {

    private final RejectionCounters counters = new RejectionCounters();
    private final EmbeddedChannel channel = new EmbeddedChannel(new DatagramDecoder(EIP, counters));

    @Test
    void emitsTheAdvertWithItsSender() {
        DatagramPacket packet = received(workedBytes());
        assertTrue(channel.writeInbound(packet));

        assertEquals(new AdvertReceived(PEER, WORKED_ADVERT), channel.readInbound());
        assertEquals(0, packet.refCnt(), "decoder released the datagram");
        assertEquals(0, counters.total());
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"info", "info\n", "info\r\n"})
    void emitsInfoRequested(String text) {
        assertTrue(channel.writeInbound(received(text.getBytes(StandardCharsets.US_ASCII))));

        assertEquals(new InfoRequested(PEER), channel.readInbound());
        assertEquals(0, counters.total(), "a query is not a rejection");
        assertFalse(channel.finish());
    }

    @ParameterizedTest
    @ValueSource(strings = {"infox", "INFO", " info"})
    void nearMissesOfInfoAreRejectedByLength(String text) {
        channel.writeInbound(received(text.getBytes(StandardCharsets.US_ASCII)));

        DatagramRejected rejected = assertInstanceOf(DatagramRejected.class, channel.readInbound());
        assertEquals(RejectReason.LENGTH, rejected.reason());
        assertEquals(1, counters.count(RejectReason.LENGTH));
        assertFalse(channel.finish());
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                Arguments.of("0201 0a0a c6336432 1128bd56b4d94ac6a7b9c715b187ce", RejectReason.LENGTH,
                        "advert of 23 bytes (expected: 24)"),
                Arguments.of("0201 0a0a c6336432 1128bd56b4d94ac6a7b9c715b187ce11 00", RejectReason.LENGTH,
                        "advert of 25 bytes (expected: 24)"),
                Arguments.of("", RejectReason.LENGTH, "advert of 0 bytes (expected: 24)"),
                Arguments.of("0301 0a0a c6336432 1128bd56b4d94ac6a7b9c715b187ce11", RejectReason.VERSION,
                        "advert version 0x0301 (expected: 0x0201)"),
                Arguments.of("0201 0a0b c6336432 1128bd56b4d94ac6a7b9c715b187ce11", RejectReason.PRIORITY_MISMATCH,
                        "advert priority bytes 10 and 11 differ (expected: equal)"),
                Arguments.of("0201 0a0a c6336433 1128bd56b4d94ac6a7b9c715b187ce11", RejectReason.OTHER_ELASTIC_IP,
                        "advert for elastic IP 198.51.100.51 (expected: 198.51.100.50)"));
    }

    @ParameterizedTest
    @MethodSource("rejections")
    void emitsAndCountsEachRejection(String hex, RejectReason reason, String detail) {
        DatagramPacket packet = received(hex(hex));
        assertTrue(channel.writeInbound(packet));

        assertEquals(new DatagramRejected(PEER, reason, detail), channel.readInbound());
        assertNull(channel.readInbound(), "exactly one event per datagram");
        assertEquals(1, counters.count(reason));
        assertEquals(1, counters.total());
        assertEquals(0, packet.refCnt(), "decoder released the datagram");
        assertTrue(channel.isOpen());
        assertFalse(channel.finish());
    }

    @Test
    void garbageNeverEscapesThePipeline() {
        Random random = new Random(0x5eed);
        int datagrams = 0;
        for (int length = 0; length <= 80; length++) {
            for (int round = 0; round < 20; round++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                if (length >= 4 && round % 2 == 0) {
                    // Half of them past the version and priority checks, to reach the later ones.
                    bytes[0] = 0x02;
                    bytes[1] = 0x01;
                    bytes[3] = bytes[2];
                }
                DatagramPacket packet = received(bytes);
                channel.writeInbound(packet);
                datagrams++;

                assertInstanceOf(Inbound.class, channel.readInbound());
                assertNull(channel.readInbound(), "exactly one event per datagram");
                assertEquals(0, packet.refCnt());
            }
        }
        channel.checkException();
        assertTrue(channel.isOpen());
        assertEquals(datagrams, counters.total(), "random bytes are never a valid advert for our EIP");
        assertFalse(channel.finish());
    }

    @Test
    void decodersOfSeveralChannelsShareTheCounters() {
        EmbeddedChannel first = new EmbeddedChannel(new DatagramDecoder(EIP, counters));
        EmbeddedChannel second = new EmbeddedChannel(new DatagramDecoder(EIP, counters));

        first.writeInbound(received(workedBytes()));
        second.writeInbound(received(new byte[3]));

        assertEquals(new AdvertReceived(PEER, WORKED_ADVERT), first.readInbound());
        assertInstanceOf(DatagramRejected.class, second.readInbound());
        assertEquals(1, counters.total());
        assertFalse(first.finish());
        assertFalse(second.finish());
        assertFalse(channel.finish());
    }

    @Test
    void strangersAreRejectedWhateverTheySendButMayAskForInfo() {
        InetSocketAddress stranger = new InetSocketAddress(Fixtures.ip("127.0.0.9"), 40001);
        EmbeddedChannel peersOnly = new EmbeddedChannel(new DatagramDecoder(EIP, counters,
                address -> address.equals(PEER.getAddress()), Optional.empty()));

        for (byte[] bytes : List.of(workedBytes(), new byte[3], hex(Fixtures.SIGNED_HEX))) {
            DatagramPacket packet = new DatagramPacket(Unpooled.buffer().writeBytes(bytes), SELF, stranger);
            peersOnly.writeInbound(packet);
            assertEquals(new DatagramRejected(stranger, RejectReason.UNKNOWN_SENDER,
                    DatagramDecoder.UNKNOWN_SENDER_DETAIL), peersOnly.readInbound());
            assertEquals(0, packet.refCnt());
        }
        assertEquals(3, counters.count(RejectReason.UNKNOWN_SENDER));
        assertEquals(3, counters.total(), "counted as unknown sender only, not as a bad length");

        peersOnly.writeInbound(new DatagramPacket(Unpooled.copiedBuffer("info", StandardCharsets.US_ASCII), SELF,
                stranger));
        assertEquals(new InfoRequested(stranger), peersOnly.readInbound());
        peersOnly.writeInbound(received(workedBytes()));
        assertEquals(new AdvertReceived(PEER, WORKED_ADVERT), peersOnly.readInbound());
        assertFalse(peersOnly.finish());
    }

    @Test
    void anAuthenticatedAdvertWithoutAKeyIsExplained() {
        channel.writeInbound(received(hex(Fixtures.SIGNED_HEX)));
        assertEquals(new DatagramRejected(PEER, RejectReason.VERSION,
                "authenticated advert version 0x0202 (expected: 0x0201, this node has no advert key)"),
                channel.readInbound());
        assertFalse(channel.finish());
    }

    @Test
    void passesOtherMessagesOn() {
        Object notADatagram = new Advert(1, EIP, INSTANCE_ID);
        assertTrue(channel.writeInbound(notADatagram));
        assertSame(notADatagram, channel.readInbound());
        assertFalse(channel.finish());
    }

    private static DatagramPacket received(byte[] bytes) {
        // Not copiedBuffer: for 0 bytes it returns the shared empty buffer, which cannot be released.
        return new DatagramPacket(Unpooled.buffer(bytes.length).writeBytes(bytes), SELF, PEER);
    }
}

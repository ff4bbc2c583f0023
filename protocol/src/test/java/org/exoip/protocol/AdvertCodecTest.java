package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.WORKED_ADVERT;
import static org.exoip.protocol.Fixtures.WORKED_HEX;
import static org.exoip.protocol.Fixtures.hex;
import static org.exoip.protocol.Fixtures.ip;
import static org.exoip.protocol.Fixtures.workedBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdvertCodecTest {

    @Test
    void encodesWorkedExampleToArray() {
        assertEquals(WORKED_HEX, ByteBufUtil.hexDump(AdvertCodec.encode(WORKED_ADVERT)));
    }

    @Test
    void encodesAtWriterIndex() {
        ByteBuf out = Unpooled.buffer();
        try {
            out.writeByte(0xff);
            AdvertCodec.encode(WORKED_ADVERT, out);
            assertEquals(1 + AdvertCodec.LENGTH, out.readableBytes());
            assertEquals("ff" + WORKED_HEX, ByteBufUtil.hexDump(out));
        } finally {
            out.release();
        }
    }

    @Test
    void decodesWorkedExampleAndConsumesIt() {
        ByteBuf in = Unpooled.wrappedBuffer(workedBytes());
        try {
            assertEquals(WORKED_ADVERT, AdvertCodec.decode(in, EIP));
            assertEquals(0, in.readableBytes());
        } finally {
            in.release();
        }
    }

    @Test
    void decodesFromTheReaderIndex() {
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeBytes(hex("ffff")).writeBytes(workedBytes()).skipBytes(2);
            assertEquals(WORKED_ADVERT, AdvertCodec.decode(in, EIP));
        } finally {
            in.release();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 254, 255})
    void priorityIsUnsignedBothWays(int priority) {
        Advert advert = new Advert(priority, EIP, INSTANCE_ID);
        byte[] bytes = AdvertCodec.encode(advert);
        assertEquals((byte) priority, bytes[2]);
        assertEquals((byte) priority, bytes[3]);
        assertEquals(advert, decode(bytes));
    }

    @Test
    void uuidIsBigEndianMostThenLeastSignificant() {
        UUID id = new UUID(0x0102030405060708L, 0x090a0b0c0d0e0f10L);
        byte[] bytes = AdvertCodec.encode(new Advert(10, EIP, id));
        assertArrayEquals(hex("0102030405060708090a0b0c0d0e0f10"), Arrays.copyOfRange(bytes, 8, 24));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4, 23, 25, 48, 1500})
    void rejectsAnyOtherLength(int length) {
        byte[] bytes = new byte[length];
        // Content that would be valid if only the length were right.
        System.arraycopy(workedBytes(), 0, bytes, 0, Math.min(length, AdvertCodec.LENGTH));
        assertRejected(bytes, RejectReason.LENGTH, "advert of " + length + " bytes (expected: 24)");
    }

    @Test
    void rejectsOtherVersion() {
        assertRejected(hex("0301 0a0a c6336432 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.VERSION, "advert version 0x0301 (expected: 0x0201)");
        assertRejected(hex("0102 0a0a c6336432 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.VERSION, "advert version 0x0102 (expected: 0x0201)");
    }

    @Test
    void rejectsUnequalPriorityBytes() {
        assertRejected(hex("0201 0a0b c6336432 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.PRIORITY_MISMATCH, "advert priority bytes 10 and 11 differ (expected: equal)");
        assertRejected(hex("0201 ff00 c6336432 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.PRIORITY_MISMATCH, "advert priority bytes 255 and 0 differ (expected: equal)");
    }

    @Test
    void rejectsAdvertForAnotherElasticIp() {
        assertRejected(hex("0201 0a0a c6336433 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.OTHER_ELASTIC_IP, "advert for elastic IP 198.51.100.51 (expected: 198.51.100.50)");
        // High bytes print unsigned.
        assertRejected(hex("0201 0a0a cb0071c8 1128bd56b4d94ac6a7b9c715b187ce11"),
                RejectReason.OTHER_ELASTIC_IP, "advert for elastic IP 203.0.113.200 (expected: 198.51.100.50)");
    }

    @Test
    void acceptsAnyElasticIpItIsToldToExpect() {
        byte[] bytes = AdvertCodec.encode(new Advert(10, ip("203.0.113.200"), INSTANCE_ID));
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            assertEquals(ip("203.0.113.200"), AdvertCodec.decode(in, ip("203.0.113.200")).elasticIp());
        } finally {
            in.release();
        }
    }

    @Test
    void checksInWireOrderLengthThenVersionThenPriorityThenElasticIp() {
        assertRejected(hex("0301 0a0b c6336433 1128bd56b4d94ac6a7b9c715b187ce"), RejectReason.LENGTH,
                "advert of 23 bytes (expected: 24)");
        assertRejected(hex("0301 0a0b c6336433 1128bd56b4d94ac6a7b9c715b187ce11"), RejectReason.VERSION,
                "advert version 0x0301 (expected: 0x0201)");
        assertRejected(hex("0201 0a0b c6336433 1128bd56b4d94ac6a7b9c715b187ce11"), RejectReason.PRIORITY_MISMATCH,
                "advert priority bytes 10 and 11 differ (expected: equal)");
    }

    @Test
    void rejectionIsADecoderException() {
        AdvertRejectedException e = rejection(new byte[0]);
        assertInstanceOf(DecoderException.class, e);
    }

    private static Advert decode(byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            return AdvertCodec.decode(in, EIP);
        } finally {
            in.release();
        }
    }

    private static AdvertRejectedException rejection(byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            AdvertRejectedException e = assertThrows(AdvertRejectedException.class, () -> AdvertCodec.decode(in, EIP));
            assertEquals(0, in.readerIndex(), "a rejected datagram is not consumed");
            return e;
        } finally {
            in.release();
        }
    }

    private static void assertRejected(byte[] bytes, RejectReason reason, String message) {
        AdvertRejectedException e = rejection(bytes);
        assertEquals(reason, e.reason());
        assertEquals(message, e.getMessage());
    }
}

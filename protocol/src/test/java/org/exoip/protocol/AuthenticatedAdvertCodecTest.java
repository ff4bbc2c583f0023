package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.KEY;
import static org.exoip.protocol.Fixtures.OTHER_KEY;
import static org.exoip.protocol.Fixtures.SIGNED_HEX;
import static org.exoip.protocol.Fixtures.WORKED_ADVERT;
import static org.exoip.protocol.Fixtures.WORKED_COUNTER;
import static org.exoip.protocol.Fixtures.hex;
import static org.exoip.protocol.Fixtures.ip;
import static org.exoip.protocol.Fixtures.workedBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthenticatedAdvertCodecTest {

    private final AuthenticatedAdvertCodec codec = new AuthenticatedAdvertCodec(new AdvertKeys(KEY));

    @Test
    void encodesTheKnownAnswer() {
        assertEquals(SIGNED_HEX, ByteBufUtil.hexDump(codec.encode(WORKED_ADVERT, WORKED_COUNTER)));
    }

    @Test
    void bytesTwoToTwentyThreeAreThePlainAdvertsOnes() {
        byte[] signed = codec.encode(WORKED_ADVERT, 7);
        byte[] plain = workedBytes();
        for (int i = 2; i < AdvertCodec.LENGTH; i++) {
            assertEquals(plain[i], signed[i], "byte " + i);
        }
        assertEquals(AuthenticatedAdvertCodec.LENGTH, signed.length);
    }

    @Test
    void decodesTheKnownAnswerAndConsumesIt() {
        ByteBuf in = Unpooled.wrappedBuffer(hex(SIGNED_HEX));
        try {
            assertEquals(new SignedAdvert(WORKED_ADVERT, WORKED_COUNTER), codec.decode(in, EIP));
            assertEquals(0, in.readableBytes());
        } finally {
            in.release();
        }
    }

    @Test
    void roundTripsEveryPriorityAndUnsignedCounters() {
        for (long counter : new long[] {0, 1, Long.MAX_VALUE, Long.MIN_VALUE, -1}) {
            for (int priority = 0; priority <= 255; priority += 51) {
                Advert advert = WORKED_ADVERT.withPriority(priority);
                assertEquals(new SignedAdvert(advert, counter), decode(codec, codec.encode(advert, counter)));
            }
        }
    }

    @Test
    void anAcceptedKeyVerifiesButDoesNotSign() {
        AuthenticatedAdvertCodec rotating = new AuthenticatedAdvertCodec(new AdvertKeys(OTHER_KEY, List.of(KEY)));
        assertEquals(WORKED_ADVERT, decode(rotating, hex(SIGNED_HEX)).advert(), "signed with the accepted key");
        byte[] own = rotating.encode(WORKED_ADVERT, 1);
        assertEquals(WORKED_ADVERT, decode(new AuthenticatedAdvertCodec(new AdvertKeys(OTHER_KEY)), own).advert());
        assertReject(codec, own, RejectReason.BAD_TAG, "tag matches none of this node's 1 key(s)");
    }

    @Test
    void everyFlippedBitIsABadTag() {
        byte[] good = hex(SIGNED_HEX);
        for (int i = 2; i < good.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = good.clone();
                bad[i] ^= (byte) (1 << bit);
                assertReject(codec, bad, RejectReason.BAD_TAG, "forged");
            }
        }
    }

    @Test
    void thePlainAdvertIsUnauthenticated() {
        assertReject(codec, workedBytes(), RejectReason.UNAUTHENTICATED,
                "unauthenticated advert version 0x0201 (expected: 0x0202 with a tag, this node has a key)");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 23, 25, 32, 63, 65, 1500})
    void anyOtherLengthIsRejected(int length) {
        byte[] bytes = new byte[length];
        if (length >= 2) {
            bytes[0] = 2;
            bytes[1] = 2;
        }
        assertReject(codec, bytes, RejectReason.LENGTH,
                "authenticated advert of " + length + " bytes (expected: 64)");
    }

    @Test
    void otherVersionsAreRejectedBeforeTheTagIsComputed() {
        byte[] bytes = hex(SIGNED_HEX);
        bytes[1] = 3;
        assertReject(codec, bytes, RejectReason.VERSION, "advert version 0x0203 (expected: 0x0202)");
    }

    @Test
    void fieldsAreCheckedOnlyAfterTheTag() {
        Advert other = new Advert(10, ip("198.51.100.51"), INSTANCE_ID);
        assertReject(codec, codec.encode(other, 1), RejectReason.OTHER_ELASTIC_IP,
                "advert for elastic IP 198.51.100.51 (expected: 198.51.100.50)");
    }

    @Test
    void firstCounterIsWallClockMicroseconds() {
        Clock clock = Clock.fixed(Instant.parse("2025-01-02T03:04:05.123456789Z"), ZoneOffset.UTC);
        assertEquals(1_735_787_045_123_456L, AuthenticatedAdvertCodec.firstCounter(clock));
    }

    @Test
    void keysShorterThan32BytesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AdvertKeys(new byte[31]));
        assertEquals("signing key of 31 bytes (expected: at least 32)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new AdvertKeys(KEY, List.of(new byte[5])));
        assertFalse(new AdvertKeys(KEY, List.of(OTHER_KEY)).toString().contains("exoip-test-key"));
        assertTrue(new AdvertKeys(KEY, List.of(OTHER_KEY)).toString().contains("1 more accepted"));
    }

    @Test
    void keysAreCopied() {
        byte[] key = KEY.clone();
        AuthenticatedAdvertCodec copy = new AuthenticatedAdvertCodec(new AdvertKeys(key));
        key[0] ^= 1;
        assertArrayEquals(hex(SIGNED_HEX), copy.encode(WORKED_ADVERT, WORKED_COUNTER));
    }

    private static SignedAdvert decode(AuthenticatedAdvertCodec codec, byte[] bytes) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            return codec.decode(in, EIP);
        } finally {
            in.release();
        }
    }

    private static void assertReject(AuthenticatedAdvertCodec codec, byte[] bytes, RejectReason reason, String detail) {
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        try {
            AdvertRejectedException e = assertThrows(AdvertRejectedException.class, () -> codec.decode(in, EIP));
            assertEquals(reason, e.reason());
            assertTrue(e.getMessage().contains(detail), e.getMessage());
            assertEquals(bytes.length, in.readableBytes(), "reader index untouched");
        } finally {
            in.release();
        }
    }
}

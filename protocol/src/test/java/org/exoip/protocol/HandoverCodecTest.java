package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.INSTANCE_ID;
import static org.exoip.protocol.Fixtures.KEY;
import static org.exoip.protocol.Fixtures.OTHER_KEY;
import static org.exoip.protocol.Fixtures.hex;
import static org.exoip.protocol.Fixtures.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The hand-over request's bytes, pure: a worked example, round trips, and what is refused. */
class HandoverCodecTest {

    private static final HandoverRequest WORKED = new HandoverRequest(HandoverRequest.Action.HAND_OVER,
            Optional.of(EIP), Optional.of(INSTANCE_ID), Optional.empty(), Duration.ofSeconds(60),
            Duration.ofSeconds(30), 0x0005f5e100000001L);
    /** The worked example, byte by byte as the javadoc's table lays them out. */
    private static final String WORKED_HEX = "0210" + "01" + "03" + "c6336432"
            + "1128bd56b4d94ac6a7b9c715b187ce11" + "00000000" + "0000ea60" + "00007530" + "0005f5e100000001";

    private final HandoverCodec plain = new HandoverCodec(Optional.empty());
    private final HandoverCodec keyed = new HandoverCodec(Optional.of(new AdvertKeys(KEY)));

    @Test
    void encodesTheWorkedExample() {
        assertArrayEquals(hex(WORKED_HEX), plain.encode(WORKED));
    }

    @Test
    void unsignedRoundTrip() {
        HandoverCodec.Decoded decoded = plain.decode(Unpooled.wrappedBuffer(plain.encode(WORKED)));
        assertEquals(WORKED, decoded.request());
        assertFalse(decoded.signed());
    }

    @Test
    void signedRoundTripAndTheRelease() {
        HandoverRequest release = new HandoverRequest(HandoverRequest.Action.RELEASE, Optional.empty(),
                Optional.empty(), Optional.of(ip("192.0.2.7")), Duration.ZERO, Duration.ZERO, -1L);
        for (HandoverRequest request : new HandoverRequest[] {WORKED, release}) {
            byte[] bytes = keyed.encode(request);
            assertEquals(HandoverCodec.SIGNED_LENGTH, bytes.length);
            HandoverCodec.Decoded decoded = keyed.decode(Unpooled.wrappedBuffer(bytes));
            assertEquals(request, decoded.request());
            assertTrue(decoded.signed());
        }
    }

    @Test
    void aTagOfAnotherKeyOrAnAlteredByteIsForged() {
        byte[] other = new HandoverCodec(Optional.of(new AdvertKeys(OTHER_KEY))).encode(WORKED);
        assertEquals(RejectReason.BAD_TAG, rejected(keyed, other).reason());
        byte[] altered = keyed.encode(WORKED);
        altered[2] = 2; // hand over -> release
        assertEquals(RejectReason.BAD_TAG, rejected(keyed, altered).reason());
        // A node without a key cannot check a tag: refused, not read as unsigned.
        AdvertRejectedException noKey = rejected(plain, keyed.encode(WORKED));
        assertEquals(RejectReason.BAD_TAG, noKey.reason());
        assertTrue(noKey.getMessage().contains("no advert key"), noKey.getMessage());
    }

    @Test
    void wrongLengthVersionOrActionSaysWhatWasExpected() {
        byte[] bytes = plain.encode(WORKED);
        byte[] shorter = java.util.Arrays.copyOf(bytes, 43);
        assertEquals("unsigned hand-over request of 43 bytes (expected: 44)", rejected(plain, shorter).getMessage());
        bytes[2] = 9;
        assertEquals("hand-over request action 9 (expected: 1 hand over or 2 release)",
                rejected(plain, bytes).getMessage());
        assertEquals(RejectReason.VERSION, rejected(plain, new byte[] {2, 1}).reason());
        assertEquals(RejectReason.VERSION, rejected(plain, new byte[0]).reason());
    }

    @Test
    void toldApartFromAdvertsAndInfo() {
        assertTrue(HandoverCodec.matches(Unpooled.wrappedBuffer(plain.encode(WORKED))));
        assertTrue(HandoverCodec.matches(Unpooled.wrappedBuffer(keyed.encode(WORKED))));
        assertFalse(HandoverCodec.matches(Unpooled.wrappedBuffer(Fixtures.workedBytes())));
        assertFalse(HandoverCodec.matches(Unpooled.wrappedBuffer("info".getBytes())));
        assertFalse(HandoverCodec.matches(Unpooled.wrappedBuffer(new byte[] {2})));
    }

    @Test
    void replyRoundTripAndStrangersIgnored() {
        HandoverReply reply = new HandoverReply(-2L, HandoverReply.Status.DONE, "198.51.100.50 held by x alone");
        byte[] bytes = reply.encode();
        assertEquals(Optional.of(reply), HandoverReply.decode(bytes, bytes.length));
        assertEquals(Optional.empty(), HandoverReply.decode("hello".getBytes(), 5));
        byte[] bad = "exoip-handover 12 MAYBE x".getBytes();
        assertEquals(Optional.empty(), HandoverReply.decode(bad, bad.length));
    }

    private static AdvertRejectedException rejected(HandoverCodec codec, byte[] bytes) {
        return assertThrows(AdvertRejectedException.class, () -> codec.decode(Unpooled.wrappedBuffer(bytes)));
    }
}

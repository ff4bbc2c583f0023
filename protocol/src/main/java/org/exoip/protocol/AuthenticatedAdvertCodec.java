package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns the 64-byte authenticated advert into a {@link SignedAdvert} and back; pure byte logic,
 * no channel.
 *
 * <pre>
 * offset len content
 *   0     2  version 0x02 0x02
 *   2    22  bytes 2-23 of the plain advert: priority twice, Elastic IP, instance id
 *  24     8  the sender's counter, unsigned, big-endian
 *  32    32  HMAC-SHA256 of bytes 0-31 under the group's key
 * </pre>
 *
 * <p>Not thread-safe: it keeps one {@link Mac} per key and scratch arrays, so that neither signing
 * nor checking allocates. Give each event loop (each pipeline) its own instance.
 */
public final class AuthenticatedAdvertCodec {

    /** Size of an authenticated advert on the wire, in bytes. */
    public static final int LENGTH = 64;
    /** The version bytes {@code 02 02}, read as one unsigned big-endian short. */
    public static final int VERSION = 0x0202;

    static final int COUNTER_OFFSET = AdvertCodec.LENGTH;
    static final int SIGNED_LENGTH = COUNTER_OFFSET + Long.BYTES;
    static final int TAG_LENGTH = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final Mac signer;
    private final Mac[] verifiers;
    private final byte[] signed = new byte[SIGNED_LENGTH];
    private final byte[] received = new byte[TAG_LENGTH];
    private final byte[] expected = new byte[TAG_LENGTH];

    public AuthenticatedAdvertCodec(AdvertKeys keys) {
        Objects.requireNonNull(keys, "keys");
        this.signer = mac(keys.signing());
        List<byte[]> verifying = keys.verifying();
        this.verifiers = new Mac[verifying.size()];
        verifiers[0] = signer;
        for (int i = 1; i < verifiers.length; i++) {
            verifiers[i] = mac(verifying.get(i));
        }
    }

    static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            // Every Java SE runtime has HmacSHA256, and any key of 32 bytes or more is valid for it.
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /**
     * The first counter of a sender starting now: wall-clock microseconds since the epoch. A sender
     * adds 1 per advert, which is far slower than the clock, so after a restart it starts above
     * anything it sent before (unless the clock was set back by more than the previous run lasted).
     */
    public static long firstCounter(Clock clock) {
        Instant now = clock.instant();
        return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
    }

    /** Writes the 64 bytes of {@code advert} with {@code counter} at the writer index of {@code out}. */
    public void encode(Advert advert, long counter, ByteBuf out) {
        out.ensureWritable(LENGTH);
        int start = out.writerIndex();
        AdvertCodec.encodeBody(advert, VERSION, out);
        out.writeLong(counter);
        out.getBytes(start, signed);
        signer.update(signed);
        out.writeBytes(tag(signer));
    }

    /** The 64 bytes of {@code advert} with {@code counter}, as a new array. */
    public byte[] encode(Advert advert, long counter) {
        byte[] bytes = new byte[LENGTH];
        encode(advert, counter, Unpooled.wrappedBuffer(bytes).clear());
        return bytes;
    }

    /**
     * Decodes the readable bytes of {@code in}, which must be exactly one authenticated advert for
     * {@code expectedElasticIp} with a tag made with one of the keys. The tag is checked before any
     * other field is read. On success the 64 bytes are consumed; on rejection the reader index is
     * left where it was. Replay is the caller's to check, with the returned counter.
     *
     * @throws AdvertRejectedException if the length or version is wrong (a plain advert is {@link
     *     RejectReason#UNAUTHENTICATED}), the tag matches no key, the priority bytes differ, or the
     *     advert is about another Elastic IP
     */
    public SignedAdvert decode(ByteBuf in, Inet4Address expectedElasticIp) throws AdvertRejectedException {
        return decode(in, ElasticIpSet.of(Objects.requireNonNull(expectedElasticIp, "expectedElasticIp")));
    }

    /** As {@link #decode(ByteBuf, Inet4Address)}, for an advert about any of {@code expected}. */
    public SignedAdvert decode(ByteBuf in, ElasticIpSet expected) throws AdvertRejectedException {
        Objects.requireNonNull(expected, "expected");
        int length = in.readableBytes();
        int start = in.readerIndex();
        if (length == AdvertCodec.LENGTH && in.getUnsignedShort(start) == AdvertCodec.VERSION) {
            throw new AdvertRejectedException(RejectReason.UNAUTHENTICATED, String.format(
                    "unauthenticated advert version 0x%04x (expected: 0x%04x with a tag, this node has a key)",
                    AdvertCodec.VERSION, VERSION));
        }
        if (length != LENGTH) {
            throw new AdvertRejectedException(RejectReason.LENGTH,
                    "authenticated advert of " + length + " bytes (expected: " + LENGTH + ")");
        }
        int version = in.getUnsignedShort(start);
        if (version != VERSION) {
            throw new AdvertRejectedException(RejectReason.VERSION,
                    String.format("advert version 0x%04x (expected: 0x%04x)", version, VERSION));
        }
        if (!validTag(in, start)) {
            throw new AdvertRejectedException(RejectReason.BAD_TAG,
                    "advert tag matches none of this node's " + verifiers.length + " key(s) (forged, or signed "
                            + "with another key)");
        }
        Advert advert = AdvertCodec.decodeBody(in, start, expected);
        long counter = in.getLong(start + COUNTER_OFFSET);
        in.skipBytes(LENGTH);
        return new SignedAdvert(advert, counter);
    }

    private boolean validTag(ByteBuf in, int start) {
        in.getBytes(start, signed);
        in.getBytes(start + SIGNED_LENGTH, received);
        for (Mac verifier : verifiers) {
            verifier.update(signed);
            // Constant time: how long the comparison takes says nothing about how much of a guess was right.
            if (MessageDigest.isEqual(tag(verifier), received)) {
                return true;
            }
        }
        return false;
    }

    private byte[] tag(Mac mac) {
        try {
            mac.doFinal(expected, 0);
            return expected;
        } catch (ShortBufferException e) {
            throw new IllegalStateException("HmacSHA256 tag longer than " + TAG_LENGTH + " bytes", e);
        }
    }
}

package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.util.Objects;
import java.util.UUID;

/**
 * Turns the 24-byte advert into an {@link Advert} and back; pure byte logic, no channel.
 *
 * <pre>
 * offset len content
 *   0     2  version 0x02 0x01
 *   2     1  priority, unsigned
 *   3     1  the same priority again
 *   4     4  Elastic IP, network byte order
 *   8    16  instance id, UUID big-endian (most then least significant bits)
 * </pre>
 */
public final class AdvertCodec {

    /** Size of an advert on the wire, in bytes. */
    public static final int LENGTH = 24;
    /** The version bytes {@code 02 01}, read as one unsigned big-endian short. */
    public static final int VERSION = 0x0201;

    private static final int PRIORITY_OFFSET = 2;
    private static final int PRIORITY_COPY_OFFSET = 3;
    private static final int ELASTIC_IP_OFFSET = 4;
    private static final int ID_MSB_OFFSET = 8;
    private static final int ID_LSB_OFFSET = 16;

    private AdvertCodec() {
    }

    /**
     * Decodes the readable bytes of {@code in}, which must be exactly one advert for
     * {@code expectedElasticIp}. On success the 24 bytes are consumed; on rejection the reader
     * index is left where it was.
     *
     * @throws AdvertRejectedException if the length, version or priority bytes are wrong, or the
     *                                 advert is about another Elastic IP
     */
    public static Advert decode(ByteBuf in, Inet4Address expectedElasticIp) throws AdvertRejectedException {
        return decode(in, ElasticIpSet.of(Objects.requireNonNull(expectedElasticIp, "expectedElasticIp")));
    }

    /** As {@link #decode(ByteBuf, Inet4Address)}, for an advert about any of {@code expected}. */
    public static Advert decode(ByteBuf in, ElasticIpSet expected) throws AdvertRejectedException {
        Objects.requireNonNull(expected, "expected");
        int length = in.readableBytes();
        int start = in.readerIndex();
        if (length == AuthenticatedAdvertCodec.LENGTH && in.getUnsignedShort(start) == AuthenticatedAdvertCodec.VERSION) {
            // A peer configured with a key: say so rather than "64 bytes", the operator's mistake is the key.
            throw new AdvertRejectedException(RejectReason.VERSION, String.format(
                    "authenticated advert version 0x%04x (expected: 0x%04x, this node has no advert key)",
                    AuthenticatedAdvertCodec.VERSION, VERSION));
        }
        // Length first: it is what makes every absolute read below safe. The original accepted
        // longer datagrams because the kernel truncated them to its 24-byte buffer.
        checkLength(length);

        int version = in.getUnsignedShort(start);
        if (version != VERSION) {
            throw new AdvertRejectedException(RejectReason.VERSION,
                    String.format("advert version 0x%04x (expected: 0x%04x)", version, VERSION));
        }
        Advert advert = decodeBody(in, start, expected);
        in.skipBytes(LENGTH);
        return advert;
    }

    /**
     * Checks and reads bytes 2-23 at {@code start}, common to both versions; the caller has checked
     * that they are readable. Moves no index.
     */
    static Advert decodeBody(ByteBuf in, int start, ElasticIpSet expected) throws AdvertRejectedException {
        int priority = in.getUnsignedByte(start + PRIORITY_OFFSET);
        int priorityCopy = in.getUnsignedByte(start + PRIORITY_COPY_OFFSET);
        if (priority != priorityCopy) {
            throw new AdvertRejectedException(RejectReason.PRIORITY_MISMATCH,
                    "advert priority bytes " + priority + " and " + priorityCopy + " differ (expected: equal)");
        }
        // Compared as an int: no address object is built for adverts about someone else's EIP.
        int elasticIp = in.getInt(start + ELASTIC_IP_OFFSET);
        Inet4Address matched = expected.match(elasticIp);
        if (matched == null) {
            throw new AdvertRejectedException(RejectReason.OTHER_ELASTIC_IP,
                    "advert for elastic IP " + dotted(elasticIp) + " (expected: " + expected.describe() + ")");
        }
        UUID instanceId = new UUID(in.getLong(start + ID_MSB_OFFSET), in.getLong(start + ID_LSB_OFFSET));
        return new Advert(priority, matched, instanceId);
    }

    /** Writes the 24 bytes of {@code advert} at the writer index of {@code out}. */
    public static void encode(Advert advert, ByteBuf out) {
        encodeBody(advert, VERSION, out);
    }

    /** Writes the 24 bytes of {@code advert} with {@code version} in bytes 0-1. */
    static void encodeBody(Advert advert, int version, ByteBuf out) {
        Objects.requireNonNull(advert, "advert");
        out.ensureWritable(LENGTH);
        out.writeShort(version);
        out.writeByte(advert.priority());
        out.writeByte(advert.priority());
        out.writeBytes(advert.elasticIp().getAddress());
        out.writeLong(advert.instanceId().getMostSignificantBits());
        out.writeLong(advert.instanceId().getLeastSignificantBits());
    }

    /** The 24 bytes of {@code advert} as a new array. */
    public static byte[] encode(Advert advert) {
        byte[] bytes = new byte[LENGTH];
        // A wrapped array is not pooled nor leak-tracked: nothing to release, the array is the result.
        encode(advert, Unpooled.wrappedBuffer(bytes).clear());
        return bytes;
    }

    private static void checkLength(int length) {
        if (length != LENGTH) {
            throw new AdvertRejectedException(RejectReason.LENGTH,
                    "advert of " + length + " bytes (expected: " + LENGTH + ")");
        }
    }


    private static String dotted(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }
}

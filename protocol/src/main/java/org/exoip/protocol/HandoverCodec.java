package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;

/**
 * Turns a {@link HandoverRequest} into its datagram and back; pure byte logic, no channel. Its own
 * version bytes and lengths keep it apart from the 24- and 64-byte adverts and the {@code info} text.
 *
 * <pre>
 * offset len content
 *   0     2  version 0x02 0x10 (unsigned) or 0x02 0x11 (signed)
 *   2     1  action: 1 hand over, 2 release
 *   3     1  flags: 1 Elastic IP given, 2 target id given, 4 target address given
 *   4     4  Elastic IP (zero when not given)
 *   8    16  target instance id (zero when not given)
 *  24     4  target address (zero when not given)
 *  28     4  hold, milliseconds, unsigned (0: until released)
 *  32     4  wait, milliseconds, unsigned (0: no confirmation)
 *  36     8  counter: the sender's wall-clock microseconds, unsigned
 *  44    32  signed only: HMAC-SHA256 of bytes 0-43 under the advert key
 * </pre>
 *
 * <p>Not thread-safe when signing or verifying (one {@link Mac} per key); give each event loop its own.
 */
public final class HandoverCodec {

    public static final int UNSIGNED_VERSION = 0x0210;
    public static final int SIGNED_VERSION = 0x0211;
    public static final int UNSIGNED_LENGTH = 44;
    public static final int SIGNED_LENGTH = UNSIGNED_LENGTH + 32;
    private static final int EIP = 1;
    private static final int TO_ID = 2;
    private static final int TO_ADDRESS = 4;

    private final List<Mac> macs = new ArrayList<>();

    /** A codec that signs with the first key and verifies with any; none: unsigned only. */
    public HandoverCodec(Optional<AdvertKeys> keys) {
        keys.ifPresent(k -> k.verifying().forEach(key -> macs.add(AuthenticatedAdvertCodec.mac(key))));
    }

    /** Whether the readable bytes begin with either version of a hand-over request (reader index unmoved). */
    public static boolean matches(ByteBuf content) {
        if (content.readableBytes() < 2) {
            return false;
        }
        int version = content.getUnsignedShort(content.readerIndex());
        return version == UNSIGNED_VERSION || version == SIGNED_VERSION;
    }

    /** The datagram of {@code request}: signed when this codec has a key. */
    public byte[] encode(HandoverRequest request) {
        boolean sign = !macs.isEmpty();
        ByteBuf out = Unpooled.buffer(sign ? SIGNED_LENGTH : UNSIGNED_LENGTH);
        out.writeShort(sign ? SIGNED_VERSION : UNSIGNED_VERSION);
        out.writeByte(request.action().code);
        out.writeByte((request.elasticIp().isPresent() ? EIP : 0) | (request.toId().isPresent() ? TO_ID : 0)
                | (request.toAddress().isPresent() ? TO_ADDRESS : 0));
        out.writeBytes(request.elasticIp().map(InetAddress::getAddress).orElse(new byte[4]));
        UUID id = request.toId().orElse(new UUID(0, 0));
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
        out.writeBytes(request.toAddress().map(InetAddress::getAddress).orElse(new byte[4]));
        out.writeInt((int) request.hold().toMillis());
        out.writeInt((int) request.confirmWithin().toMillis());
        out.writeLong(request.counter());
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        if (!sign) {
            return bytes;
        }
        Mac signer = macs.get(0);
        signer.update(bytes);
        byte[] signed = new byte[SIGNED_LENGTH];
        System.arraycopy(bytes, 0, signed, 0, UNSIGNED_LENGTH);
        System.arraycopy(signer.doFinal(), 0, signed, UNSIGNED_LENGTH, 32);
        return signed;
    }

    /** A decoded request and whether its tag was checked. */
    public record Decoded(HandoverRequest request, boolean signed) {
    }

    /**
     * Decodes exactly one request; a signed one only with a tag made with one of the keys, checked
     * before any field is read. Replay and the sender are the caller's to judge.
     *
     * @throws AdvertRejectedException for a wrong length or version, an unknown action, or a bad tag
     */
    public Decoded decode(ByteBuf in) throws AdvertRejectedException {
        int start = in.readerIndex();
        int length = in.readableBytes();
        int version = length < 2 ? -1 : in.getUnsignedShort(start);
        boolean signed = version == SIGNED_VERSION;
        if (version != UNSIGNED_VERSION && !signed) {
            throw new AdvertRejectedException(RejectReason.VERSION, String.format(
                    "hand-over request version 0x%04x (expected: 0x%04x or 0x%04x)", version, UNSIGNED_VERSION,
                    SIGNED_VERSION));
        }
        int expected = signed ? SIGNED_LENGTH : UNSIGNED_LENGTH;
        if (length != expected) {
            throw new AdvertRejectedException(RejectReason.LENGTH, (signed ? "signed" : "unsigned")
                    + " hand-over request of " + length + " bytes (expected: " + expected + ")");
        }
        if (signed && !validTag(in, start)) {
            throw new AdvertRejectedException(RejectReason.BAD_TAG, macs.isEmpty()
                    ? "signed hand-over request, but this node has no advert key (expected: unsigned, from this host)"
                    : "hand-over request tag matches none of this node's " + macs.size() + " key(s) (forged, or "
                            + "signed with another key)");
        }
        int actionCode = in.getUnsignedByte(start + 2);
        HandoverRequest.Action action = HandoverRequest.Action.valueOf(actionCode).orElseThrow(() ->
                new AdvertRejectedException(RejectReason.VERSION, "hand-over request action " + actionCode
                        + " (expected: 1 hand over or 2 release)"));
        int flags = in.getUnsignedByte(start + 3);
        Optional<Inet4Address> eip = (flags & EIP) == 0 ? Optional.empty() : Optional.of(ipv4(in, start + 4));
        Optional<UUID> toId = (flags & TO_ID) == 0 ? Optional.empty()
                : Optional.of(new UUID(in.getLong(start + 8), in.getLong(start + 16)));
        Optional<Inet4Address> toAddress = (flags & TO_ADDRESS) == 0 ? Optional.empty()
                : Optional.of(ipv4(in, start + 24));
        Duration hold = Duration.ofMillis(in.getUnsignedInt(start + 28));
        Duration wait = Duration.ofMillis(in.getUnsignedInt(start + 32));
        long counter = in.getLong(start + 36);
        in.skipBytes(length);
        return new Decoded(new HandoverRequest(action, eip, toId, toAddress, hold, wait, counter), signed);
    }

    private boolean validTag(ByteBuf in, int start) {
        byte[] body = new byte[UNSIGNED_LENGTH];
        byte[] received = new byte[32];
        in.getBytes(start, body);
        in.getBytes(start + UNSIGNED_LENGTH, received);
        for (Mac mac : macs) {
            mac.update(body);
            // Constant time, as for adverts.
            if (MessageDigest.isEqual(mac.doFinal(), received)) {
                return true;
            }
        }
        return false;
    }

    private static Inet4Address ipv4(ByteBuf in, int offset) {
        byte[] bytes = new byte[4];
        in.getBytes(offset, bytes);
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }
}

package org.exoip.protocol;

import io.netty.buffer.ByteBufUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Byte fixtures shared by the tests: the worked example of the reference page. */
final class Fixtures {

    static final Inet4Address EIP = ip("198.51.100.50");
    static final UUID INSTANCE_ID = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
    static final Advert WORKED_ADVERT = new Advert(10, EIP, INSTANCE_ID);
    static final String WORKED_HEX = "02010a0a" + "c6336432" + "1128bd56b4d94ac6a7b9c715b187ce11";

    /** 32 ASCII bytes, the shortest key accepted. */
    static final byte[] KEY = "exoip-test-key-0123456789abcdef!".getBytes(StandardCharsets.US_ASCII);
    static final byte[] OTHER_KEY = "another-key-of-32-bytes-for-test".getBytes(StandardCharsets.US_ASCII);
    static final long WORKED_COUNTER = 0x0005f5e100000001L;
    /**
     * The worked advert signed with {@link #KEY} and {@link #WORKED_COUNTER}; the tag was computed apart,
     * with {@code openssl dgst -sha256 -mac HMAC -macopt hexkey:...} over bytes 0-31.
     */
    static final String SIGNED_HEX = "02020a0a" + "c6336432" + "1128bd56b4d94ac6a7b9c715b187ce11"
            + "0005f5e100000001" + "6977398f3c5a98bd55d01012ef8c4d46d2a9a1a290220a60fbf043d77003617b";

    // Loopback only: these addresses label packets in EmbeddedChannel, nothing is sent.
    static final InetSocketAddress PEER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001);
    static final InetSocketAddress SELF = new InetSocketAddress(InetAddress.getLoopbackAddress(), 12345);

    private Fixtures() {
    }

    static byte[] workedBytes() {
        return hex(WORKED_HEX);
    }

    static byte[] hex(String hex) {
        return ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
    }

    static Inet4Address ip(String literal) {
        try {
            // A literal address: parsed, never looked up.
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}

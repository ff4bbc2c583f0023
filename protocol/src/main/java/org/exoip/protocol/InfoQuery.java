package org.exoip.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Recognises the {@code info} query datagram ({@code echo info | nc -4u HOST 12345}), and
 * {@code info json}, which asks for the same state as one JSON document ({@code exoip info --json}).
 */
public final class InfoQuery {

    // "echo -n info" sends the bare word, plain "echo" adds "\n", Windows tools "\r\n".
    private static final List<byte[]> ACCEPTED = List.of(
            "info".getBytes(StandardCharsets.US_ASCII),
            "info\n".getBytes(StandardCharsets.US_ASCII),
            "info\r\n".getBytes(StandardCharsets.US_ASCII));

    private static final List<byte[]> JSON = List.of(
            "info json".getBytes(StandardCharsets.US_ASCII),
            "info json\n".getBytes(StandardCharsets.US_ASCII),
            "info json\r\n".getBytes(StandardCharsets.US_ASCII));

    private InfoQuery() {
    }

    /** The answer asked for, when the readable bytes are a query; empty otherwise. Does not move the reader index. */
    public static java.util.Optional<InfoRequested.Format> format(ByteBuf datagramContent) {
        if (matches(datagramContent)) {
            return java.util.Optional.of(InfoRequested.Format.TEXT);
        }
        return anyOf(datagramContent, JSON) ? java.util.Optional.of(InfoRequested.Format.JSON)
                : java.util.Optional.empty();
    }

    /**
     * True if the readable bytes are exactly {@code info}, optionally followed by {@code \n} or
     * {@code \r\n}; case-sensitive. Does not move the reader index.
     */
    public static boolean matches(ByteBuf datagramContent) {
        return anyOf(datagramContent, ACCEPTED);
    }

    private static boolean anyOf(ByteBuf datagramContent, List<byte[]> forms) {
        int length = datagramContent.readableBytes();
        for (byte[] accepted : forms) {
            if (accepted.length == length && sameBytes(datagramContent, accepted)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameBytes(ByteBuf buf, byte[] expected) {
        int start = buf.readerIndex();
        for (int i = 0; i < expected.length; i++) {
            if (buf.getByte(start + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}

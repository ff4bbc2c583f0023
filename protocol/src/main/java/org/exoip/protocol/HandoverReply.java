package org.exoip.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's answer to a hand-over request, one text line so that it reads in a packet capture:
 * {@code exoip-handover COUNTER STATUS MESSAGE}. A request gets {@link Status#ACCEPTED} or
 * {@link Status#REFUSED} at once, and an accepted one that asked to wait later {@link Status#DONE}
 * or {@link Status#FAILED}.
 *
 * @param counter the request's counter, so that the client knows which request is answered
 */
public record HandoverReply(long counter, Status status, String message) {

    /** Where the request stands. */
    public enum Status {
        ACCEPTED, REFUSED, DONE, FAILED;

        /** Whether no further reply follows. */
        public boolean last() {
            return this != ACCEPTED;
        }
    }

    static final String PREFIX = "exoip-handover ";

    public HandoverReply {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }

    public byte[] encode() {
        return (PREFIX + Long.toUnsignedString(counter) + " " + status + " " + message.replace('\n', ' ') + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The reply in {@code datagram}, or empty when it is not one (a stray datagram on the client's port). */
    public static Optional<HandoverReply> decode(byte[] datagram, int length) {
        String text = new String(datagram, 0, length, StandardCharsets.UTF_8).strip();
        if (!text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = text.substring(PREFIX.length()).split(" ", 3);
        if (parts.length < 2) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HandoverReply(Long.parseUnsignedLong(parts[0]), Status.valueOf(parts[1]),
                    parts.length == 3 ? parts[2] : ""));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

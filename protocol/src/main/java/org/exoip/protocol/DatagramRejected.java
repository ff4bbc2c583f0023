package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A datagram that was neither a query nor a valid advert; already counted by the decoder.
 *
 * @param detail what was wrong and what was expected, e.g. {@code advert of 23 bytes (expected: 24)}
 */
public record DatagramRejected(InetSocketAddress sender, RejectReason reason, String detail) implements Inbound {

    public DatagramRejected {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}

package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/** An {@code info} query from {@code sender}, which expects a plain-text reply. */
public record InfoRequested(InetSocketAddress sender) implements Inbound {

    public InfoRequested {
        Objects.requireNonNull(sender, "sender");
    }
}

package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A hand-over request admitted by {@link HandoverGate}: from this host, or signed, fresh and not
 * replayed. The reply goes back to {@code sender}.
 */
public record HandoverRequested(InetSocketAddress sender, HandoverRequest request, boolean signed)
        implements Inbound {

    public HandoverRequested {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(request, "request");
    }
}

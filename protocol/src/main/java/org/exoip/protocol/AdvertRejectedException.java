package org.exoip.protocol;

import io.netty.handler.codec.DecoderException;
import java.util.Objects;

/** A datagram that is not a valid advert for our Elastic IP; says why and what was expected. */
public class AdvertRejectedException extends DecoderException {

    private static final long serialVersionUID = 1L;

    private final RejectReason reason;

    public AdvertRejectedException(RejectReason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The kind of rejection, to count and to label. */
    public RejectReason reason() {
        return reason;
    }

    // Rejections are routine (counted, not debugged) and come from the network, possibly
    // in floods: a stack trace would cost more than the datagram is worth.
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}

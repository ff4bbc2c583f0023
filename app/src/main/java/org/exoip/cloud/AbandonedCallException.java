package org.exoip.cloud;

/**
 * A read of the cloud given up from another thread ({@link ElasticIpProvider#abandonRead()})
 * because something newer needs the answer: the caller reads again at once instead of waiting on
 * a call that a network cut may have stalled for seconds.
 */
public final class AbandonedCallException extends CloudException {

    public AbandonedCallException(String message) {
        super(message, true);
    }
}

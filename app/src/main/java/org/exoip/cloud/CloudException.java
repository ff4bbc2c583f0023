package org.exoip.cloud;

/** A cloud call that failed; its message says which call and why, and never holds a secret. */
public class CloudException extends Exception {

    private final boolean retryable;

    public CloudException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public CloudException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Whether trying the same call again later may succeed (network trouble, 429, 5xx). */
    public boolean retryable() {
        return retryable;
    }
}

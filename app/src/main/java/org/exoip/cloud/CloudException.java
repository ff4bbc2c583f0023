package org.exoip.cloud;

import java.util.OptionalInt;

/** A cloud call that failed; its message says which call and why, and never holds a secret. */
public class CloudException extends Exception {

    private final boolean retryable;
    private final int refusedStatus;

    public CloudException(String message, boolean retryable) {
        this(message, retryable, null);
    }

    public CloudException(String message, boolean retryable, Throwable cause) {
        this(message, retryable, 0, cause);
    }

    /**
     * @param refusedStatus the HTTP status of a refusal that no retry mends (see {@link #refusal()}),
     *     or 0
     */
    public CloudException(String message, boolean retryable, int refusedStatus, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.refusedStatus = refusedStatus;
    }

    /** Whether trying the same call again later may succeed (network trouble, 429, 5xx). */
    public boolean retryable() {
        return retryable;
    }

    /**
     * The HTTP status with which the cloud refused this node's call for good, until an operator
     * acts: 401 or 403 (the API key, its secret or its role), 404 (our Elastic IP or instance does
     * not exist). Empty for every other failure, passing or not.
     */
    public OptionalInt refusal() {
        return refusedStatus == 0 ? OptionalInt.empty() : OptionalInt.of(refusedStatus);
    }
}

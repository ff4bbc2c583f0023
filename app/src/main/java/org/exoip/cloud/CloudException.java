package org.exoip.cloud;

import java.util.OptionalInt;
import org.exoip.exoscale.ExoscaleException;

/** A cloud call that failed; its message says which call and why, and never holds a secret. */
public class CloudException extends Exception {

    private final boolean retryable;
    private final int refusedStatus;
    private final boolean certificate;

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
        this(message, retryable, refusedStatus, false, cause);
    }

    private CloudException(String message, boolean retryable, int refusedStatus, boolean certificate,
            Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
        this.refusedStatus = refusedStatus;
        this.certificate = certificate;
    }

    /** The cloud failure of a failed Exoscale call: passing or not, a refusal, a refused certificate. */
    public static CloudException of(ExoscaleException e) {
        return new CloudException(e.getMessage(), e.retryable(), e.refused() ? e.status().orElse(0) : 0,
                e.certificate(), e);
    }

    /**
     * Whether the API endpoint's TLS certificate was refused (not trusted, for another host name,
     * expired): as permanent as a {@link #refusal()}, until the certificate or the trusted CAs change.
     */
    public boolean certificate() {
        return certificate;
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

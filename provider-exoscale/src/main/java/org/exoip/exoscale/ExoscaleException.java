package org.exoip.exoscale;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An Exoscale API or metadata call that failed. The message reads
 * {@code "<call> failed: <status> <server's message>"}; it never holds the API secret.
 */
public class ExoscaleException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int status;
    private final String serverMessage;
    private final boolean retryable;
    private final transient Duration retryAfter;

    /**
     * @param call          what was being done, e.g. {@code "attach Elastic IP 198.51.100.50 to instance …"}
     * @param status        the HTTP status, or 0 when there was no HTTP answer
     * @param serverMessage what the server (or the network) said, already made readable
     * @param retryable     whether the same call may succeed later
     * @param retryAfter    how long the server asked us to wait (429 {@code Retry-After}), or null
     * @param cause         the underlying failure, or null
     */
    public ExoscaleException(String call, int status, String serverMessage, boolean retryable, Duration retryAfter,
            Throwable cause) {
        super(format(call, status, serverMessage), cause);
        this.call = call;
        this.status = status;
        this.serverMessage = serverMessage == null ? "" : serverMessage;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    /** A failure without an HTTP status (network, bad answer, operation outcome). */
    public ExoscaleException(String call, String message, boolean retryable, Throwable cause) {
        this(call, 0, message, retryable, null, cause);
    }

    private static String format(String call, int status, String serverMessage) {
        StringBuilder text = new StringBuilder(call).append(" failed:");
        if (status != 0) {
            text.append(' ').append(status);
        }
        if (serverMessage != null && !serverMessage.isEmpty()) {
            text.append(' ').append(serverMessage);
        }
        return text.toString();
    }

    /**
     * The same failure with {@code note} after the message, e.g. how many tries it took; the
     * status, retryability, Retry-After and cause are kept.
     */
    ExoscaleException withNote(String note) {
        ExoscaleException noted = new ExoscaleException(call, status,
                serverMessage.isEmpty() ? note : serverMessage + " " + note, retryable, retryAfter, getCause());
        noted.setStackTrace(getStackTrace());
        return noted;
    }

    /** The call that failed, as a person would say it. */
    public String call() {
        return call;
    }

    /** The HTTP status of the answer, if there was one. */
    public OptionalInt status() {
        return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /** What the server (or the network) said, without the call's name; may be empty. */
    public String serverMessage() {
        return serverMessage;
    }

    /** Whether trying the same call again later may succeed (network trouble, 429, 5xx, busy). */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Whether the API refused the call in a way that trying again will not mend until someone acts:
     * 401 or 403 (the key, its secret or its role) or 404 (the resource named does not exist).
     */
    public boolean refused() {
        return status == 401 || status == 403 || status == 404;
    }

    /**
     * Whether the endpoint's TLS certificate was refused (not trusted, another host name, expired):
     * as permanent as a refusal, until the certificate or the trusted CAs change.
     */
    public boolean certificate() {
        return getCause() != null && NetworkFailure.certificate(getCause());
    }

    /** How long the server asked to wait before the next try, if it said so. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}

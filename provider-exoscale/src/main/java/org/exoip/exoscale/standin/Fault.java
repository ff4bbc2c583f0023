package org.exoip.exoscale.standin;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A misbehaviour the stand-in plays on the next {@link #times()} requests that match, so clients
 * can be tested against what the real API and the proxies in front of it do.
 *
 * <p>Build one with a factory ({@link #proxyError()}, {@link #rateLimited(int)}, ...), narrow it
 * with {@link #times(int)} and {@link #matching(String, String)}, and queue it with
 * {@link Faults#add(Fault)}. Immutable.
 *
 * @param kind              what to do
 * @param times             how many matching requests it applies to, at least 1
 * @param method            HTTP method it applies to, or {@code null} for any
 * @param pathRegex         regular expression searched for ({@link java.util.regex.Matcher#find()})
 *                          in the raw request path, or {@code null} for any path
 * @param retryAfterSeconds for {@link Kind#RATE_LIMITED}: the {@code Retry-After} value, or -1 to
 *                          send no such header
 * @param delay             for {@link Kind#SLOW}: how long to wait before answering normally
 * @param reason            for {@link Kind#OPERATION_FAILURE}: the operation's {@code reason}
 * @param message           for {@link Kind#OPERATION_FAILURE}: the operation's {@code message}; for
 *                          {@link Kind#STATUS}: the answer's {@code message}
 * @param status            for {@link Kind#STATUS}: the HTTP status answered, 400 to 599
 * @param client            the client address it applies to, as the stand-in sees it (e.g.
 *                          {@code 192.0.2.11}), or {@code null} for any: a fault on one node's
 *                          path to the API while the others are served
 */
public record Fault(Kind kind, int times, String method, String pathRegex, int retryAfterSeconds, Duration delay,
        String reason, String message, int status, String client) {

    /** The kinds of misbehaviour; {@link #wireName()} is the name the control API uses. */
    public enum Kind {
        /** 502 with an HTML page, as a proxy in front of the API sends. */
        PROXY_ERROR("proxy-error"),
        /** 429, with {@code Retry-After} unless its seconds are negative. */
        RATE_LIMITED("rate-limited"),
        /** 500 with the plain-text body {@code service unavailable}. */
        UNAVAILABLE("unavailable"),
        /**
         * Waits {@link Fault#delay()}, then answers normally; {@link Faults#clear()} ends the wait
         * early, so a "hanging" API heals when the faults are cleared.
         */
        SLOW("slow"),
        /** Closes the connection without any response. */
        DROP_CONNECTION("drop-connection"),
        /** An attach or detach is accepted, but its operation ends in {@code failure}. */
        OPERATION_FAILURE("operation-failure"),
        /** {@link Fault#status()} with {@code {"message": ...}}, as the API refuses a call (403: the key's role). */
        STATUS("status"),
        /**
         * The request is carried out (an attach or detach happens), but the answer is lost: the
         * client gets a 504 HTML page, as from a proxy whose upstream answered too late.
         */
        AMBIGUOUS("ambiguous");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** The kebab-case name used in JSON. */
        public String wireName() {
            return wireName;
        }

        /** The kind with this wire name (case-insensitive), or an exception listing the valid ones. */
        public static Kind fromWireName(String name) {
            for (Kind kind : values()) {
                if (kind.wireName.equalsIgnoreCase(name)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown fault kind \"" + name + "\" (expected one of: "
                    + String.join(", ", Arrays.stream(values()).map(Kind::wireName).toList()) + ")");
        }
    }

    public Fault {
        Objects.requireNonNull(kind, "kind");
        if (times < 1) {
            throw new IllegalArgumentException("fault times is " + times + " (expected: at least 1)");
        }
        method = method == null || method.isBlank() ? null : method.toUpperCase(Locale.ROOT);
        pathRegex = pathRegex == null || pathRegex.isEmpty() ? null : pathRegex;
        if (pathRegex != null) {
            try {
                Pattern.compile(pathRegex);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("fault path is not a regular expression: " + e.getDescription());
            }
        }
        delay = delay == null ? Duration.ZERO : delay;
        if (delay.isNegative()) {
            throw new IllegalArgumentException("fault delay is negative: " + delay);
        }
        if (kind == Kind.OPERATION_FAILURE) {
            reason = reason == null || reason.isBlank() ? "unknown" : reason;
            message = message == null ? "operation failed (stand-in fault)" : message;
        }
        if (kind == Kind.STATUS) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("fault status is " + status + " (expected: 400 to 599)");
            }
            message = message == null ? "refused (stand-in fault)" : message;
        }
        client = client == null || client.isBlank() ? null : client.strip();
    }

    /** 502 with an HTML body, once. */
    public static Fault proxyError() {
        return of(Kind.PROXY_ERROR);
    }

    /** 429 with {@code Retry-After: seconds} (none if negative), once. */
    public static Fault rateLimited(int retryAfterSeconds) {
        return new Fault(Kind.RATE_LIMITED, 1, null, null, retryAfterSeconds, Duration.ZERO, null, null, 0, null);
    }

    /** 500 with the plain-text body {@code service unavailable}, once. */
    public static Fault unavailable() {
        return of(Kind.UNAVAILABLE);
    }

    /** Wait {@code delay} before answering normally, once. */
    public static Fault slow(Duration delay) {
        return new Fault(Kind.SLOW, 1, null, null, -1, delay, null, null, 0, null);
    }

    /** Close the connection without a response, once. */
    public static Fault dropConnection() {
        return of(Kind.DROP_CONNECTION);
    }

    /** The next attach or detach operation ends in {@code failure} with this reason and message. */
    public static Fault operationFailure(String reason, String message) {
        return new Fault(Kind.OPERATION_FAILURE, 1, null, null, -1, Duration.ZERO, reason, message, 0, null);
    }

    /** Answer {@code status} (400-599) with {@code {"message": message}}, once: e.g. 403 for a refused key. */
    public static Fault status(int status, String message) {
        return new Fault(Kind.STATUS, 1, null, null, -1, Duration.ZERO, null, message, status, null);
    }

    /** Carry the request out but answer 504 with an HTML page, once: the client cannot know what happened. */
    public static Fault ambiguous() {
        return of(Kind.AMBIGUOUS);
    }

    private static Fault of(Kind kind) {
        return new Fault(kind, 1, null, null, -1, Duration.ZERO, null, null, 0, null);
    }

    /** This fault for the next {@code n} matching requests. */
    public Fault times(int n) {
        return new Fault(kind, n, method, pathRegex, retryAfterSeconds, delay, reason, message, status, client);
    }

    /**
     * This fault only for requests with this method ({@code null}: any) whose raw path contains a
     * match of {@code pathRegex} ({@code null}: any), e.g. {@code matching("PUT", ":attach$")}.
     */
    public Fault matching(String method, String pathRegex) {
        return new Fault(kind, times, method, pathRegex, retryAfterSeconds, delay, reason, message, status, client);
    }

    /** This fault only for requests from this client address ({@code null}: any), e.g. {@code "192.0.2.11"}. */
    public Fault from(String clientAddress) {
        return new Fault(kind, times, method, pathRegex, retryAfterSeconds, delay, reason, message, status,
                clientAddress);
    }

    boolean matches(String requestMethod, String rawPath, String clientAddress) {
        return (method == null || method.equals(requestMethod))
                && (client == null || client.equals(clientAddress))
                && (pathRegex == null || Pattern.compile(pathRegex).matcher(rawPath).find());
    }
}

package org.exoip.exoscale;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Says in words why an HTTP exchange failed on the network: connection refused, name not found,
 * no connection or no answer within the timeout, a TLS certificate that is not trusted, is for
 * another host name or has expired. Java's HttpClient throws a {@link
 * ConnectException} without a message for a refused connection and for a name that does not
 * resolve; the reason is in the types of the cause chain, never in {@code getMessage()}. Used by
 * both the API and the metadata client. Stateless.
 */
final class NetworkFailure {

    /** Causes deeper than this are not looked at: a chain that long is a loop or a bug. */
    private static final int MAX_DEPTH = 16;

    private NetworkFailure() {
    }

    /**
     * The failure in words, e.g. {@code "connection refused by 127.0.0.1:8080"} or {@code "name not
     * found: api.example.invalid"}.
     *
     * @param failure        what the HTTP client threw
     * @param target         the URL asked for
     * @param nameTarget     whether the words name the host and port (false when the caller's message
     *                       already shows the URL)
     * @param connectTimeout the connect timeout in force, quoted when it expired
     * @param requestTimeout the answer timeout in force, quoted when it expired
     */
    static String describe(Throwable failure, URI target, boolean nameTarget, Duration connectTimeout,
            Duration requestTimeout) {
        String to = nameTarget ? " to " + authority(target) : "";
        String tls = certificateProblem(failure, target);
        if (tls != null) {
            return tls;
        }
        if (find(failure, HttpConnectTimeoutException.class) != null) {
            // The request timeout runs from the start of the exchange, connection included: whichever
            // is shorter ended the connection attempt.
            long millis = Math.min(connectTimeout.toMillis(), requestTimeout.toMillis());
            return "no connection" + to + " within " + millis + " ms";
        }
        if (find(failure, HttpTimeoutException.class) != null) {
            return "no answer" + (nameTarget ? " from " + authority(target) : "") + " within "
                    + requestTimeout.toMillis() + " ms";
        }
        if (find(failure, UnresolvedAddressException.class) != null
                || find(failure, UnknownHostException.class) != null) {
            return "name not found: " + target.getHost();
        }
        if (find(failure, NoRouteToHostException.class) != null) {
            return "no route" + (nameTarget ? to : " to the host");
        }
        ConnectException connect = find(failure, ConnectException.class);
        if (connect != null) {
            // ConnectException: "typically, the connection was refused remotely (e.g., no process is
            // listening on the remote address/port)"; HttpClient's carry no message, or one saying so.
            String message = firstMessage(connect);
            return message == null || message.toLowerCase(Locale.ROOT).contains("refused")
                    ? "connection refused" + (nameTarget ? " by " + authority(target) : "")
                    : "cannot connect" + to + ": " + message;
        }
        String message = firstMessage(failure);
        return "connection" + to + " failed: " + (message == null ? failure.getClass().getSimpleName() : message);
    }

    /**
     * Whether the server's certificate was refused (untrusted, for another name, expired): a
     * permanent failure that no retry mends until someone changes the certificate or the trust.
     */
    static boolean certificate(Throwable failure) {
        return certificateProblem(failure, URI.create("https://host")) != null;
    }

    /** The certificate problem in words, naming the host, or null when the failure is not one. */
    private static String certificateProblem(Throwable failure, URI target) {
        if (find(failure, SSLHandshakeException.class) == null && find(failure, SSLPeerUnverifiedException.class) == null
                && find(failure, CertificateException.class) == null) {
            return null;
        }
        String of = "the TLS certificate of " + authority(target);
        if (find(failure, CertificateExpiredException.class) != null) {
            return of + " has expired";
        }
        if (find(failure, CertificateNotYetValidException.class) != null) {
            return of + " is not valid yet (or this host's clock is behind)";
        }
        String message = allMessages(failure);
        if (message.contains("No subject alternative") || message.contains("No name matching")) {
            return of + " is for another host name (hostname mismatch: " + firstMessage(
                    find(failure, CertificateException.class) == null ? failure
                            : find(failure, CertificateException.class)) + ")";
        }
        if (find(failure, CertPathBuilderException.class) != null || message.contains("PKIX")
                || message.contains("unable to find valid certification path")) {
            return of + " is not trusted (no trusted CA signed it)";
        }
        if (find(failure, CertPathValidatorException.class) != null || find(failure, CertificateException.class) != null) {
            return of + " was refused: " + firstMessage(failure);
        }
        // A handshake that failed for another reason (no common protocol or cipher): not the certificate.
        return null;
    }

    /** Every message of the chain, joined; for matching the JDK's words. */
    private static String allMessages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    /** Whether the failure happened before any connection was made (the server was never reached). */
    static boolean beforeConnection(Throwable failure) {
        return find(failure, HttpConnectTimeoutException.class) != null
                || find(failure, ConnectException.class) != null
                || find(failure, UnresolvedAddressException.class) != null
                || find(failure, UnknownHostException.class) != null;
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The first message in the chain that says something, or null. */
    private static String firstMessage(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.isBlank()) {
                return message.strip();
            }
        }
        return null;
    }

    private static String authority(URI target) {
        return target.getHost() + (target.getPort() == -1 ? "" : ":" + target.getPort());
    }
}

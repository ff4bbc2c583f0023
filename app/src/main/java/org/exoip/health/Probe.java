package org.exoip.health;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/**
 * One run of a check, blocking its caller for at most about the check's timeout. Implementations
 * are used by one thread at a time.
 */
interface Probe extends AutoCloseable {

    /** What one run found: success or not, and in a few words why. */
    record Outcome(boolean success, String detail) {
    }

    Outcome run() throws InterruptedException;

    @Override
    default void close() {
    }

    /** The probe for {@code spec}. */
    static Probe of(CheckSpec spec, ProcessGroup processes, HttpClient http) {
        return switch (spec.kind()) {
            case EXEC -> () -> exec(spec, processes);
            case TCP -> () -> tcp(spec);
            case HTTP -> () -> http(spec, http);
        };
    }

    private static Outcome exec(CheckSpec spec, ProcessGroup processes) throws InterruptedException {
        try {
            ProcessGroup.Result result = processes.run(spec.command(), Map.of(), spec.timeout());
            String detail = result.describe(spec.timeout())
                    + (result.leftOver() ? " (processes it left running were killed)" : "");
            return new Outcome(result.success(), detail);
        } catch (IOException e) {
            return new Outcome(false, "cannot run " + spec.command().get(0) + ": " + e.getMessage());
        }
    }

    private static Outcome tcp(CheckSpec spec) {
        int colon = spec.target().lastIndexOf(':');
        String host = spec.target().substring(0, colon);
        int port = Integer.parseInt(spec.target().substring(colon + 1));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Math.max(1, spec.timeout().toMillis()));
            return new Outcome(true, "connected");
        } catch (SocketTimeoutException e) {
            return new Outcome(false, "no answer within " + ProcessGroup.seconds(spec.timeout()));
        } catch (ConnectException e) {
            return new Outcome(false, "connection refused");
        } catch (UnknownHostException e) {
            return new Outcome(false, "unknown host " + host);
        } catch (NoRouteToHostException e) {
            return new Outcome(false, "no route to host");
        } catch (IOException | IllegalArgumentException e) {
            return new Outcome(false, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static Outcome http(CheckSpec spec, HttpClient http) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(spec.target())).timeout(spec.timeout())
                .header("User-Agent", "exoip-check").GET().build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            return new Outcome(status >= 200 && status < 300, "HTTP " + status);
        } catch (HttpTimeoutException e) {
            return new Outcome(false, "no answer within " + ProcessGroup.seconds(spec.timeout()));
        } catch (ConnectException e) {
            return new Outcome(false, "connection refused");
        } catch (InterruptedIOException e) {
            throw new InterruptedException(e.getMessage());
        } catch (IOException e) {
            return new Outcome(false, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    /** The client every HTTP check shares: no redirects followed (a 3xx is a failure), HTTP/1.1. */
    static HttpClient httpClient(Duration connectTimeout) {
        return HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout).build();
    }
}

package org.exoip.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The HTTP endpoint of {@code --metrics-address}: {@code /metrics} in the Prometheus formats and
 * {@code /healthz}, 200 {@code ok} while healthy, 503 with the reason otherwise, and {@code
 * /readyz}, the same for whether this node could take over now. Anything else answers 404. Served by the Prometheus client's server on a few daemon threads of its own, so a
 * slow scraper never delays adverts.
 */
public final class MetricsServer implements AutoCloseable {

    private final HTTPServer server;

    private MetricsServer(HTTPServer server) {
        this.server = server;
    }

    /**
     * Starts serving.
     *
     * @param health empty while healthy, else why not; called on a server thread for each /healthz
     * @throws IOException when the address cannot be bound (the message names it)
     */
    public static MetricsServer start(InetSocketAddress address, PrometheusRegistry registry,
            Supplier<Optional<String>> health) throws IOException {
        return start(address, registry, health, health);
    }

    /**
     * Starts serving, with a readiness answer of its own.
     *
     * @param ready empty while this node could take over, else why not; for each /readyz
     */
    public static MetricsServer start(InetSocketAddress address, PrometheusRegistry registry,
            Supplier<Optional<String>> health, Supplier<Optional<String>> ready) throws IOException {
        try {
            HTTPServer server = HTTPServer.builder()
                    .inetAddress(address.getAddress())
                    .port(address.getPort())
                    .registry(registry)
                    .defaultHandler(new Routes(health, ready))
                    .buildAndStart();
            return new MetricsServer(server);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + describe(address) + ": " + e.getMessage(), e);
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }

    static String describe(InetSocketAddress address) {
        return (address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress())
                + ":" + address.getPort();
    }

    /** Everything but /metrics: /healthz, /readyz, and 404. */
    private record Routes(Supplier<Optional<String>> health, Supplier<Optional<String>> ready) implements HttpHandler {

        @Override
        public void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.equals("/healthz")) {
                    Optional<String> problem = health.get();
                    reply(exchange, problem.isEmpty() ? 200 : 503,
                            problem.map(p -> "unhealthy: " + p).orElse("ok") + "\n");
                } else if (path.equals("/readyz")) {
                    Optional<String> problem = ready.get();
                    reply(exchange, problem.isEmpty() ? 200 : 503,
                            problem.map(p -> "not ready: " + p).orElse("ready") + "\n");
                } else if (path.equals("/")) {
                    reply(exchange, 200, "exoip: /metrics, /healthz, /readyz\n");
                } else {
                    reply(exchange, 404, "not found: try /metrics, /healthz or /readyz\n");
                }
            }
        }

        private static void reply(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }
}

package org.exoip.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.exoip.cloud.ApiCallListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP endpoint on 127.0.0.1: /metrics, /healthz and 404. */
class MetricsServerTest {

    private final ExoipMetrics metrics = new ExoipMetrics(UUID.randomUUID(), List.of((java.net.Inet4Address) java.net.InetAddress.getLoopbackAddress()), false);
    private final AtomicReference<Optional<String>> health = new AtomicReference<>(Optional.empty());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsServer server;

    @BeforeEach
    void start() throws IOException {
        server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics.registry(),
                health::get);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheSeries() throws Exception {
        metrics.called(ApiCallListener.LIST, null, ApiCallListener.Outcome.SUCCESS, 1_000_000);
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains(
                "exoip_api_requests_total{operation=\"list_holders\",outcome=\"success\"} 1.0"), response.body());
    }

    @Test
    void healthzFollowsTheEngine() throws Exception {
        HttpResponse<String> ok = get("/healthz");
        assertEquals(200, ok.statusCode());
        assertEquals("ok\n", ok.body());
        health.set(Optional.of("no advert sent yet"));
        HttpResponse<String> bad = get("/healthz");
        assertEquals(503, bad.statusCode());
        assertEquals("unhealthy: no advert sent yet\n", bad.body());
    }

    @Test
    void anythingElseIsNotFound() throws Exception {
        assertEquals(404, get("/nothing").statusCode());
    }

    @Test
    void aTakenPortIsNamed() {
        IOException e = assertThrows(IOException.class, () -> MetricsServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), metrics.registry(),
                Optional::empty));
        assertTrue(e.getMessage().contains("cannot serve metrics on 127.0.0.1:" + server.port()), e.getMessage());
    }
}

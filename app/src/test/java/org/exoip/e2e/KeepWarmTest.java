package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.exoip.cloud.ObservedElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.logging.CapturedLog;
import org.exoip.metrics.ExoipMetrics;
import org.exoip.metrics.MetricsServer;
import org.exoip.watchdog.CloudProbe;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.Test;

/**
 * A node's keep-warm probe against the stand-in: it reads the Elastic IP every period; while the
 * API refuses the key, the node says it could not take over (one WARN, {@code info}, the gauge,
 * /readyz 503) and it says so no more once the key is accepted again.
 */
class KeepWarmTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String PROBE = "GET /v2/elastic-ip/{id}";

    @Test
    void aNodeProvesItCouldTakeOverAndSaysWhenItCouldNot() throws Exception {
        try (CapturedLog log = CapturedLog.of(Level.INFO, CloudProbe.class);
                StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            StandinCloud.prepare(standin);
            UUID self = UUID.fromString(standin.state().addInstance("self", "127.0.0.1", "exoip").id());
            Inet4Address address = StandinCloud.elasticIp();
            ExoipMetrics metrics = new ExoipMetrics(self, List.of(address), false);
            ObservedElasticIpProvider provider = StandinCloud.provider(standin, Set.of(self), metrics);
            int port = LoopbackPorts.freeUdpPort();
            EngineSettings settings = EngineSettings.of(new NodeSettings(self, address, 255, INTERVAL, 3),
                    new InetSocketAddress("127.0.0.1", port)).withReconcileInterval(Duration.ofHours(1))
                    .withKeepWarm(Duration.ofMillis(100));
            WatchdogEngine engine = WatchdogEngine.start(settings, provider,
                    new StaticPeers(List.of("127.0.0.2"), w -> { }));
            try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), metrics.registry(),
                    () -> ExoipMetrics.health(engine, INTERVAL), () -> ExoipMetrics.readiness(engine, INTERVAL))) {
                metrics.observe(engine);
                URI base = URI.create("http://127.0.0.1:" + server.port());

                StandinCloud.await("three probes", () -> standin.requestCounts().getOrDefault(PROBE, 0L) >= 3,
                        DEADLINE);
                StandinCloud.await("ready", () -> StandinCloud.httpGet(base, "/readyz").statusCode() == 200, DEADLINE);
                assertEquals("ready\n", StandinCloud.httpGet(base, "/readyz").body());
                assertTrue(StandinCloud.httpGet(base, "/metrics").body().contains("exoip_takeover_ready 1.0"));
                assertTrue(engine.info().get(5, TimeUnit.SECONDS).lines()
                        .anyMatch(l -> l.startsWith("Takeover    ready, proven ")));

                standin.faults().add(Fault.status(403, "Forbidden: unknown API key").times(1_000_000)
                        .matching("GET", "/elastic-ip/"));
                StandinCloud.await("not ready", () -> StandinCloud.httpGet(base, "/readyz").statusCode() == 503, DEADLINE);
                String body = StandinCloud.httpGet(base, "/readyz").body();
                assertTrue(body.startsWith("not ready: this node could not take over: NOT READY for "), body);
                assertTrue(body.contains("403"), body);
                assertEquals(200, StandinCloud.httpGet(base, "/healthz").statusCode(), "alive, only not able to take over");
                assertTrue(StandinCloud.httpGet(base, "/metrics").body().contains("exoip_takeover_ready 0.0"));
                assertTrue(engine.info().get(5, TimeUnit.SECONDS).lines()
                        .anyMatch(l -> l.startsWith("Takeover    NOT READY for ")));
                long failing = standin.requestCounts().getOrDefault(PROBE, 0L);
                StandinCloud.await("two more failed probes",
                        () -> standin.requestCounts().getOrDefault(PROBE, 0L) >= failing + 2, DEADLINE);
                List<LogEvent> warnings = log.at(Level.WARN);
                assertEquals(1, warnings.size(), "one WARN for the change, not one a probe: " + warnings);

                standin.faults().clear();
                StandinCloud.await("ready again", () -> StandinCloud.httpGet(base, "/readyz").statusCode() == 200, DEADLINE);
                assertTrue(engine.info().get(5, TimeUnit.SECONDS).lines()
                        .anyMatch(l -> l.startsWith("Takeover    ready, proven ")));
            } finally {
                engine.kill();
            }
        }
    }
}

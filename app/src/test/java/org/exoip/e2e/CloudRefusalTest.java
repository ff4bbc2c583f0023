package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.exoip.watchdog.CloudReconciler;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.Test;

/**
 * A master whose every attach the cloud refuses (403, as for an API key whose role forbids it),
 * end to end against the stand-in: the refusal is an ERROR once, not at every retry; it is
 * exported, /healthz answers 503 with the reason and {@code info} shows it; the retries go on, and
 * once the refusal is lifted the Elastic IP is attached and everything is clear again.
 */
class CloudRefusalTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String ATTACH = "PUT /v2/elastic-ip/{id}:attach";

    @Test
    void aRefusedMasterSaysSoEverywhereAndRecoversWhenTheRefusalIsLifted() throws Exception {
        try (CapturedLog log = CapturedLog.of(Level.DEBUG, CloudReconciler.class);
                StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            String eip = StandinCloud.prepare(standin);
            UUID self = UUID.fromString(standin.state().addInstance("self", "127.0.0.1", "exoip").id());
            standin.faults().add(Fault.status(403, "Forbidden: the API key's role does not allow this operation")
                    .times(1_000_000).matching("PUT", ":attach$"));
            Inet4Address address = StandinCloud.elasticIp();
            ExoipMetrics metrics = new ExoipMetrics(self, List.of(address), false);
            ObservedElasticIpProvider provider = StandinCloud.provider(standin, Set.of(self), metrics);
            int port = LoopbackPorts.freeUdpPort();
            // The one peer never answers: this node is master after its hold-off.
            EngineSettings settings = EngineSettings.of(new NodeSettings(self, address, 10, INTERVAL, 3),
                    new InetSocketAddress("127.0.0.1", port)).withReconcileInterval(Duration.ofHours(1));
            WatchdogEngine engine = WatchdogEngine.start(settings, provider,
                    new StaticPeers(List.of("127.0.0.2"), w -> { }));
            try (MetricsServer server = MetricsServer.start(new InetSocketAddress("127.0.0.1", 0), metrics.registry(),
                    () -> ExoipMetrics.health(engine, INTERVAL))) {
                metrics.observe(engine);
                URI base = URI.create("http://127.0.0.1:" + server.port());

                StandinCloud.await("four refused attaches", () -> standin.requestCounts().getOrDefault(ATTACH, 0L) >= 4, DEADLINE);
                assertEquals(Role.MASTER, engine.role());
                List<LogEvent> errors = log.at(Level.ERROR);
                assertEquals(1, errors.size(), "one ERROR, not one per retry: " + errors);
                String error = errors.get(0).getMessage().getFormattedMessage();
                assertTrue(error.contains("refuses") && error.contains("403") && error.contains("role"), error);
                assertTrue(log.at(Level.DEBUG).stream().anyMatch(e -> e.getMessage().getFormattedMessage()
                        .startsWith("Still refused")), "the later refusals are DEBUG lines");

                assertTrue(StandinCloud.httpGet(base, "/metrics").body().contains("exoip_cloud_refused{eip=\"198.51.100.50\",status=\"403\"} 1"),
                        "the refusal is exported");
                HttpResponse<String> health = StandinCloud.httpGet(base, "/healthz");
                assertEquals(503, health.statusCode());
                assertTrue(health.body().startsWith("unhealthy: the cloud refuses this node's calls: 403 for "),
                        health.body());
                String info = engine.info().get(5, TimeUnit.SECONDS);
                assertTrue(info.lines().anyMatch(l -> l.startsWith("Cloud       REFUSED 403 for ")), info);
                assertFalse(info.contains(StandinCloud.SECRET));

                standin.faults().clear(); // the operator fixed the key's role

                assertTrue(standin.state().awaitHolders(eip, h -> h.equals(Set.of(self.toString())), DEADLINE),
                        "the retries went on and attached");
                StandinCloud.await("healthz clear", () -> StandinCloud.httpGet(base, "/healthz").statusCode() == 200, DEADLINE);
                assertFalse(StandinCloud.httpGet(base, "/metrics").body().contains("exoip_cloud_refused{"), "no refusal exported");
                assertTrue(engine.info().get(5, TimeUnit.SECONDS).lines().anyMatch(l -> l.equals("Cloud       ok")));
                assertTrue(log.events().stream().anyMatch(e -> e.getLevel() == Level.INFO
                        && e.getMessage().getFormattedMessage().startsWith("The cloud accepts this node's calls again")));
                assertEquals(1, log.at(Level.ERROR).size());
            } finally {
                engine.kill();
            }
        }
    }
}

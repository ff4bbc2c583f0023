package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinTls;
import org.exoip.logging.CapturedLog;
import org.exoip.watchdog.CloudReconciler;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.Test;

/**
 * A -W master whose every call fails on the API's TLS certificate (the stand-in serves HTTPS with
 * a self-signed certificate this node does not trust): the failure is one ERROR naming the host,
 * what is wrong and how to trust a CA, not one line per retry, and the retries go on as for a
 * refusal.
 */
class CertificateRefusalTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void anUntrustedCertificateIsSaidOnceWhileTheRetriesGoOn() throws Exception {
        StandinTls tls = StandinTls.selfSigned(StandinTls.DEFAULT_NAMES);
        try (CapturedLog log = CapturedLog.of(Level.DEBUG, CloudReconciler.class);
                StandinServer standin = StandinServer.builder().tls(tls)
                        .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            StandinCloud.prepare(standin);
            UUID self = UUID.fromString(standin.state().addInstance("self", "127.0.0.1", "exoip").id());
            EngineSettings settings = EngineSettings.of(new NodeSettings(self, StandinCloud.elasticIp(), 10, INTERVAL,
                    3), new InetSocketAddress("127.0.0.1", LoopbackPorts.freeUdpPort()))
                    .withReconcileInterval(Duration.ofHours(1));
            WatchdogEngine engine = WatchdogEngine.start(settings,
                    StandinCloud.provider(standin, Set.of(self), ApiCallListener.NONE),
                    new StaticPeers(List.of("127.0.0.2"), w -> { }));
            try {
                StandinCloud.await("four tries of the cloud", () -> standin.tlsConnections() >= 4, DEADLINE);
                assertEquals(Role.MASTER, engine.role());
                List<LogEvent> errors = log.at(Level.ERROR);
                assertEquals(1, errors.size(), "one ERROR, not one per retry: " + errors);
                String error = errors.get(0).getMessage().getFormattedMessage();
                String host = "127.0.0.1:" + standin.address().getPort();
                assertTrue(error.contains("(certificate)") && error.contains("TLS certificate of " + host
                        + " is not trusted") && error.contains("--api-ca-file"), error);
                assertTrue(log.at(Level.WARN).isEmpty(), "no retry warnings: " + log.at(Level.WARN));
                assertTrue(engine.describeCloudRefusal().orElseThrow().startsWith("certificate for "),
                        engine.describeCloudRefusal().toString());
            } finally {
                engine.kill();
            }
        }
    }
}

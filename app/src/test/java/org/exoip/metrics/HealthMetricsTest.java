package org.exoip.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.exoip.health.CheckSpec;
import org.exoip.health.HealthMonitor;
import org.junit.jupiter.api.Test;

class HealthMetricsTest {

    @Test
    void eachCheckHasItsStateRunsFailuresAndDurationAndTheFaultIsShown() throws Exception {
        int closedPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = free.getLocalPort();
        }
        String target = "127.0.0.1:" + closedPort;
        ExoipMetrics metrics = new ExoipMetrics(UUID.randomUUID(), List.of((java.net.Inet4Address) java.net.InetAddress.getLoopbackAddress()), false);
        try (HealthMonitor monitor = new HealthMonitor(List.of(new CheckSpec(CheckSpec.Kind.TCP, target, List.of(),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1, false, 0)), Optional.empty(), Optional.empty(),
                "node-m", System::nanoTime)) {
            HealthMetrics.register(metrics.registry(), monitor, () -> true);
            String before = ExoipMetricsTest.scrape(metrics);
            assertTrue(before.contains("exoip_check_passing{kind=\"tcp\",target=\"" + target + "\"} 1.0"), before);
            monitor.runCheck(0);
            String after = ExoipMetricsTest.scrape(metrics);
            assertTrue(after.contains("exoip_check_passing{kind=\"tcp\",target=\"" + target + "\"} 0.0"), after);
            assertTrue(after.contains("exoip_check_runs_total{kind=\"tcp\",target=\"" + target + "\"} 1.0"), after);
            assertTrue(after.contains("exoip_check_failures_total{kind=\"tcp\",target=\"" + target + "\"} 1.0"), after);
            assertTrue(after.contains("exoip_check_duration_seconds{kind=\"tcp\",target=\"" + target + "\"}"), after);
            assertTrue(after.contains("exoip_fault 1.0"), after);
        }
    }
}

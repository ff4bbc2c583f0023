package org.exoip.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;
import org.exoip.health.HealthMonitor;

/**
 * The series of the health checks and the track file, read from the monitor on every scrape:
 * each check's state, runs, failures and last duration (labels {@code kind} and {@code target}),
 * and whether the node is in fault. Thread-safe.
 */
public final class HealthMetrics {

    private HealthMetrics() {
    }

    /** Registers the series of {@code monitor}; {@code inFault} tells whether the node is in FAULT now. */
    public static void register(PrometheusRegistry registry, HealthMonitor monitor, BooleanSupplier inFault) {
        GaugeWithCallback.builder().name("exoip_check_passing")
                .help("1 while a health check passes (after rise successes), 0 while it fails (after fall failures)")
                .labelNames("kind", "target")
                .callback(cb -> monitor.statuses().forEach(s -> cb.call(s.passing() ? 1 : 0, s.spec().kind().label(),
                        s.spec().target()))).register(registry);
        CounterWithCallback.builder().name("exoip_check_runs_total")
                .help("Runs of a health check")
                .labelNames("kind", "target")
                .callback(cb -> monitor.statuses().forEach(s -> cb.call(s.runs(), s.spec().kind().label(),
                        s.spec().target()))).register(registry);
        CounterWithCallback.builder().name("exoip_check_failures_total")
                .help("Failed runs of a health check (a run past its timeout included)")
                .labelNames("kind", "target")
                .callback(cb -> monitor.statuses().forEach(s -> cb.call(s.failures(), s.spec().kind().label(),
                        s.spec().target()))).register(registry);
        GaugeWithCallback.builder().name("exoip_check_duration_seconds")
                .help("How long the last run of a health check took")
                .labelNames("kind", "target")
                .callback(cb -> monitor.statuses().forEach(s -> cb.call(s.lastDuration().toNanos() / 1e9,
                        s.spec().kind().label(), s.spec().target()))).register(registry);
        GaugeWithCallback.builder().name("exoip_fault")
                .help("1 while a health check or the track file holds this node in FAULT (advertising 255, never "
                        + "holding the Elastic IP)")
                .callback(cb -> cb.call(inFault.getAsBoolean() ? 1 : 0)).register(registry);
        monitor.trackReading().ifPresent(r -> GaugeWithCallback.builder().name("exoip_track_file_value")
                .help("The number in the track file, added to the priority (0 when missing; NaN when unusable)")
                .callback(cb -> monitor.trackReading().ifPresent(now -> cb.call(now.usable() ? now.value()
                        : Double.NaN))).register(registry));
    }
}

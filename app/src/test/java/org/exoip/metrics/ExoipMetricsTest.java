package org.exoip.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.ApiCallListener.Outcome;
import org.exoip.watchdog.Decision;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.Watchdog;
import org.junit.jupiter.api.Test;

/** The series recorded as things happen, read back in the text format (no engine, no clock). */
class ExoipMetricsTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID OTHER = UUID.fromString("00000000-0000-4000-8000-00000000000b");
    private static final java.net.Inet4Address EIP = ip("198.51.100.50");

    private static java.net.Inet4Address ip(String literal) {
        try {
            return (java.net.Inet4Address) java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final ExoipMetrics metrics = new ExoipMetrics(SELF, List.of(EIP), false, clock::get);

    static String scrape(ExoipMetrics metrics) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, metrics.registry().scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static Watchdog.Transition transition(Role from, Role to) {
        return new Watchdog.Transition(new Decision(from, SELF, from == Role.MASTER ? SELF : from == Role.BACKUP ? OTHER : null),
                new Decision(to, SELF, to == Role.MASTER ? SELF : to == Role.BACKUP ? OTHER : null), "test", 0);
    }

    @Test
    void countsApiCallsByOperationAndOutcome() throws IOException {
        metrics.called(ApiCallListener.LIST, null, Outcome.SUCCESS, 20_000_000);
        metrics.called(ApiCallListener.LIST, null, Outcome.SUCCESS, 30_000_000);
        metrics.called(ApiCallListener.ATTACH, SELF, Outcome.FAILURE, 2_000_000_000L);
        String text = scrape(metrics);
        assertTrue(text.contains("exoip_api_requests_total{operation=\"list_holders\",outcome=\"success\"} 2.0"), text);
        assertTrue(text.contains("exoip_api_requests_total{operation=\"attach\",outcome=\"failure\"} 1.0"), text);
        assertTrue(text.contains("exoip_api_requests_total{operation=\"detach\",outcome=\"success\"} 0.0"), text);
        assertTrue(text.contains("exoip_api_request_duration_seconds_bucket{operation=\"list_holders\",le=\"0.025\"} 1"),
                text);
        assertTrue(text.contains("exoip_api_request_duration_seconds_count{operation=\"attach\"} 1"), text);
        assertTrue(text.contains("exoip_last_failover_seconds{eip=\"198.51.100.50\"} NaN"), text);
    }

    @Test
    void aFailoverLastsFromTheDecisionToTheConfirmedAttach() throws IOException {
        metrics.transition(transition(Role.BACKUP, Role.MASTER));
        clock.addAndGet(1_500_000_000L);
        metrics.called(ApiCallListener.ATTACH, OTHER, Outcome.SUCCESS, 1);
        metrics.called(ApiCallListener.ATTACH, SELF, Outcome.FAILURE, 1);
        assertTrue(scrape(metrics).contains("exoip_last_failover_seconds{eip=\"198.51.100.50\"} NaN"), "not over before self holds it");
        clock.addAndGet(500_000_000L);
        metrics.called(ApiCallListener.ATTACH, SELF, Outcome.SUCCESS, 1);
        String text = scrape(metrics);
        assertTrue(text.contains("exoip_last_failover_seconds{eip=\"198.51.100.50\"} 2.0"), text);
        assertTrue(text.contains("exoip_transitions_total{eip=\"198.51.100.50\",to=\"master\"} 1.0"), text);
        assertTrue(!text.contains("exoip_last_failover_timestamp_seconds{eip=\"198.51.100.50\"} NaN"), text);
        // A later re-attach (repairing an outside change) is not a new failover.
        clock.addAndGet(9_000_000_000L);
        metrics.called(ApiCallListener.ATTACH, SELF, Outcome.SUCCESS, 1);
        assertTrue(scrape(metrics).contains("exoip_last_failover_seconds{eip=\"198.51.100.50\"} 2.0"));
    }

    @Test
    void countsOnlyChangesOfRole() throws IOException {
        metrics.transition(transition(Role.STARTING, Role.BACKUP));
        metrics.transition(transition(Role.BACKUP, Role.BACKUP));
        metrics.transition(transition(Role.BACKUP, Role.MASTER));
        metrics.transition(transition(Role.MASTER, Role.STOPPING));
        String text = scrape(metrics);
        assertTrue(text.contains("exoip_transitions_total{eip=\"198.51.100.50\",to=\"backup\"} 1.0"), text);
        assertTrue(text.contains("exoip_transitions_total{eip=\"198.51.100.50\",to=\"master\"} 1.0"), text);
        assertTrue(text.contains("exoip_transitions_total{eip=\"198.51.100.50\",to=\"stopping\"} 1.0"), text);
        assertTrue(text.contains("exoip_transitions_total{eip=\"198.51.100.50\",to=\"starting\"} 0.0"), text);
    }

    @Test
    void jvmSeriesWhenAsked() throws IOException {
        String text = scrape(new ExoipMetrics(SELF, List.of(EIP), true));
        assertTrue(text.contains("jvm_memory_used_bytes"), text);
        assertTrue(text.contains("jvm_threads_current"), text);
        assertEquals(-1, scrape(metrics).indexOf("jvm_memory_used_bytes"));
    }
}

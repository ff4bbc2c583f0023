package org.exoip.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.exoip.logging.CapturedLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthMonitorTest {

    private static final Duration SECOND = Duration.ofSeconds(1);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<HealthMonitor> monitors = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        monitors.forEach(HealthMonitor::close);
    }

    private static CheckSpec tcp(String target, int rise, int fall, boolean initFail, int weight) {
        return new CheckSpec(CheckSpec.Kind.TCP, target, List.of(), SECOND, SECOND, rise, fall, initFail, weight);
    }

    private HealthMonitor monitor(List<CheckSpec> specs, Optional<TrackFile> track) throws Exception {
        HealthMonitor m = new HealthMonitor(specs, track, Optional.empty(), "node-t", nanos::get);
        monitors.add(m);
        return m;
    }

    @Test
    void faultAndWeightChecksMakeTheVerdictAndEachChangeIsToldOnce() throws Exception {
        HealthMonitor m = monitor(List.of(tcp("127.0.0.1:1", 2, 2, true, 0), tcp("127.0.0.1:2", 1, 1, false, 20)),
                Optional.empty());
        List<HealthVerdict> told = new ArrayList<>();
        m.onChange(told::add);
        // init-fail: the fault check fails until it passes twice.
        assertEquals(List.of("check tcp 127.0.0.1:1 failing"), m.current().faults());
        m.record(0, true, "connected", Duration.ZERO);
        assertTrue(m.current().fault(10));
        m.record(0, true, "connected", Duration.ZERO);
        assertFalse(m.current().fault(10));
        assertEquals(10, m.current().priority(10));
        m.record(1, false, "connection refused", Duration.ZERO); // weight 20, fall 1
        assertEquals(30, m.current().priority(10));
        m.record(1, false, "connection refused", Duration.ZERO); // still failing: no new verdict
        m.record(0, false, "connection refused", Duration.ZERO);
        m.record(0, false, "connection refused", Duration.ZERO);
        assertTrue(m.current().fault(10));
        assertEquals(3, told.size(), told.toString());
        HealthMonitor.CheckStatus status = m.statuses().get(0);
        assertEquals(4, status.runs());
        assertEquals(2, status.failures());
        assertEquals(Optional.of("connection refused"), status.lastError());
        String report = m.report();
        assertTrue(report.contains("Check tcp 127.0.0.1:1 FAILING (fault, every 1.000s rise 2 fall 2) runs=4 "
                + "failures=2 last=connection refused"), report);
        assertTrue(report.contains("Check tcp 127.0.0.1:2 FAILING (weight +20"), report);
    }

    @Test
    void theTrackFileIsAddedAndAnUnusableOneFaults() throws Exception {
        Path file = dir.resolve("maint");
        HealthMonitor m = monitor(List.of(), Optional.of(new TrackFile(file)));
        List<HealthVerdict> told = new ArrayList<>();
        m.onChange(told::add);
        assertEquals(10, m.current().priority(10));
        Files.writeString(file, "30");
        m.pollTrackFile();
        assertEquals(40, m.current().priority(10));
        Files.writeString(file, "255");
        m.pollTrackFile();
        assertTrue(m.current().fault(10));
        Files.writeString(file, "oops");
        m.pollTrackFile();
        assertTrue(m.current().faults().get(0).startsWith("track file unusable: "), m.current().faults().toString());
        m.pollTrackFile(); // unchanged: no new verdict
        Files.delete(file);
        m.pollTrackFile();
        assertFalse(m.current().fault(10));
        assertEquals(4, told.size());
        assertTrue(m.report().contains("Track file  " + file + ": 0 (no file)"), m.report());
    }

    @Test
    void weightsThatCannotChangeTheMasterAreNamed() throws Exception {
        HealthMonitor m = monitor(List.of(tcp("127.0.0.1:1", 1, 1, false, 5), tcp("127.0.0.1:2", 1, 1, false, 30),
                tcp("127.0.0.1:3", 1, 1, false, 0)), Optional.empty());
        List<String> warnings = m.uselessWeights(10, OptionalInt.of(20));
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("Check tcp 127.0.0.1:1: weight 5 cannot change the master: this master's priority 10 + 5 still "
                + "beats the next node's 20 (a gap of 10); use a weight above 9 or 'fault'", warnings.get(0));
        assertEquals(List.of(), m.uselessWeights(10, OptionalInt.empty()));
    }

    @Test
    void tcpCheckAgainstARealListener() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            HealthMonitor m = monitor(List.of(tcp("127.0.0.1:" + server.getLocalPort(), 1, 1, true, 0)),
                    Optional.empty());
            m.runCheck(0);
            assertFalse(m.current().fault(10));
            server.close();
            m.runCheck(0);
            assertTrue(m.current().fault(10));
            assertEquals(Optional.of("connection refused"), m.statuses().get(0).lastError());
        }
    }

    @Test
    void httpCheckWantsA2xxAndDoesNotFollowRedirects() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/healthz", exchange -> {
            if (status.get() == 302) {
                exchange.getResponseHeaders().add("Location", "/elsewhere");
            }
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/healthz";
            HealthMonitor m = monitor(List.of(new CheckSpec(CheckSpec.Kind.HTTP, url, List.of(), SECOND, SECOND, 1, 1,
                    true, 0)), Optional.empty());
            m.runCheck(0);
            assertFalse(m.current().fault(10), m.report());
            status.set(503);
            m.runCheck(0);
            assertTrue(m.current().fault(10));
            assertEquals(Optional.of("HTTP 503"), m.statuses().get(0).lastError());
            status.set(204);
            m.runCheck(0);
            assertFalse(m.current().fault(10));
            status.set(302);
            m.runCheck(0);
            assertTrue(m.current().fault(10));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aHungExecCheckFailsAtItsTimeoutAndRunsNeverOverlap() throws Exception {
        Path lock = dir.resolve("lock");
        // mkdir fails if another run holds the lock: exit 7 would show an overlap.
        String overlapGuard = "mkdir " + lock + " || exit 7; sleep 0.2; rmdir " + lock;
        CheckSpec guarded = new CheckSpec(CheckSpec.Kind.EXEC, "guard", List.of("sh", "-c", overlapGuard),
                Duration.ofMillis(20), Duration.ofSeconds(20), 1, 1, true, 0);
        CheckSpec hung = new CheckSpec(CheckSpec.Kind.EXEC, "sleep 1000", List.of("sleep", "1000"),
                Duration.ofMillis(50), Duration.ofMillis(100), 1, 1, false, 10);
        HealthMonitor m = new HealthMonitor(List.of(guarded, hung), Optional.empty(), Optional.empty(), "node-t",
                System::nanoTime);
        monitors.add(m);
        m.start();
        await("three runs of each", () -> m.statuses().stream().allMatch(s -> s.runs() >= 3));
        HealthMonitor.CheckStatus guard = m.statuses().get(0);
        HealthMonitor.CheckStatus sleeper = m.statuses().get(1);
        assertEquals(Optional.empty(), guard.lastError(), m.report());
        assertTrue(guard.passing());
        assertFalse(sleeper.passing());
        assertEquals(sleeper.runs(), sleeper.failures());
        assertTrue(sleeper.lastError().orElseThrow().startsWith("timed out after 0.100s"), m.report());
        assertEquals(10, m.current().checkDelta());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within 30 s: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Test
    void oneLogLineWithStructuredFieldsPerChangeOfStateNotPerRun() throws Exception {
        HealthMonitor m = monitor(List.of(tcp("127.0.0.1:1", 1, 2, false, 0)), Optional.empty());
        try (CapturedLog log = CapturedLog.of(Level.INFO, HealthMonitor.class)) {
            for (int i = 0; i < 5; i++) {
                m.record(0, false, "connection refused", Duration.ZERO);
            }
            m.record(0, true, "connected", Duration.ZERO);
            m.record(0, true, "connected", Duration.ZERO);
            List<LogEvent> events = log.events();
            assertEquals(2, events.size(), events.toString());
            LogEvent failing = events.get(0);
            assertEquals(Level.WARN, failing.getLevel());
            assertEquals("check_state", failing.getContextData().getValue("event"));
            assertEquals("failing", failing.getContextData().getValue("state"));
            assertEquals("tcp 127.0.0.1:1", failing.getContextData().getValue("check"));
            assertEquals("Check tcp 127.0.0.1:1 fails after 2 failure(s) in a row (fault): connection refused",
                    failing.getMessage().getFormattedMessage());
            assertEquals("passing", events.get(1).getContextData().getValue("state"));
        }
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * At boot the network is often not ready when exoip -W starts: its start-up lookups are retried
 * with back-off for --start-timeout, each different failure logged once, while -A and -D fail at
 * once. Time is a fake clock that the waits move: nothing sleeps.
 */
class StartupRetryTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-0000000000b1");
    private static final String NOT_YET = "read http://192.0.2.1/latest/instance-id failed: connection refused";

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final List<Long> waits = new ArrayList<>();
    private final AtomicInteger tries = new AtomicInteger();
    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final StringWriter printed = new StringWriter();
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private PrintStream realOut;
    private PrintStream realErr;

    @BeforeEach
    void capture() {
        realOut = System.out;
        realErr = System.err;
        PrintStream both = new PrintStream(logged, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
    }

    @AfterEach
    void restore() {
        // Not Logging.shutdown(): it stops the logger context, and the loggers made so far stay silent after.
        System.setOut(realOut);
        System.setErr(realErr);
    }

    /** Fails with {@code failure} the first {@code failures} tries, then finds the instance. */
    private CloudConnector failingFirst(int failures, CloudException failure) {
        return (config, known) -> {
            if (tries.incrementAndGet() <= failures) {
                throw failure;
            }
            return new CloudConnector.Cloud(SELF, cloud, Optional.empty());
        };
    }

    private int run(CloudConnector connector, SignalInstaller signals, String... args) {
        CommandLine cmd = ExoipCommand.commandLine(new HashMap<>(), connector, signals);
        ((ExoipCommand) cmd.getCommand()).startupTime = new StartupRetry.Time() {
            @Override
            public long nanos() {
                return clock.get();
            }

            @Override
            public void sleep(long nanos) {
                waits.add(nanos);
                clock.addAndGet(nanos);
            }
        };
        PrintWriter writer = new PrintWriter(printed, true);
        cmd.setOut(writer);
        cmd.setErr(writer);
        List<String> all = new ArrayList<>(List.of("-O", "-xi", "198.51.100.50", "-xk", "EXOkey0123456789abcdef",
                "-xs", "secret-0123456789"));
        all.addAll(List.of(args));
        return cmd.execute(all.toArray(String[]::new));
    }

    private String output() {
        return printed + "\n" + logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theWatchdogRetriesUntilTheMetadataAnswersAndLogsTheFailureOnce() throws Exception {
        CompletableFuture<WatchdogEngine> started = new CompletableFuture<>();
        int port = LoopbackPorts.freeUdpPort();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> run(
                failingFirst(4, new CloudException(NOT_YET, true)), watchdog -> started.complete(watchdog.engine()),
                "-W", "-t", "50ms", "-l", "127.0.0.1:" + port, "-p", "127.0.0.2"));
        WatchdogEngine engine = started.get(20, TimeUnit.SECONDS);
        engine.stop();
        assertEquals(0, exit.get(20, TimeUnit.SECONDS), output());

        assertEquals(5, tries.get());
        assertEquals(4, waits.size());
        for (int i = 1; i < waits.size(); i++) {
            assertTrue(waits.get(i) > waits.get(i - 1) * 1.5 * 0.8 / 1.2, "the waits back off: " + waits);
        }
        String out = output();
        assertEquals(1, out.split(NOT_YET, -1).length - 1, "one line for four identical failures:\n" + out);
        assertTrue(out.contains("Start-up: cannot find this instance and its zone yet, retrying for up to 300 s"), out);
        assertTrue(out.contains("after 5 tries"), out);
    }

    @Test
    void theWatchdogGivesUpAfterTheStartTimeoutWithTheLastFailure() {
        int code = run(failingFirst(Integer.MAX_VALUE, new CloudException(NOT_YET, true)), SignalInstaller.NONE,
                "-W", "-p", "192.0.2.2", "--start-timeout", "60");
        assertEquals(1, code, output());
        long waited = waits.stream().mapToLong(Long::longValue).sum();
        assertTrue(waited <= TimeUnit.SECONDS.toNanos(60), "waited " + waited + " ns");
        // It stops when the next wait (at most 30 s + 20 % jitter) would pass the limit.
        assertTrue(waited >= TimeUnit.SECONDS.toNanos(60 - 36), "waited only " + waited + " ns");
        assertTrue(printed.toString().contains("gave up trying to find this instance and its zone after "), output());
        assertTrue(printed.toString().contains("(--start-timeout 60 s): " + NOT_YET), output());
    }

    @Test
    void aRefusalNoRetryCanMendEndsTheStartAtOnce() {
        int code = run(failingFirst(Integer.MAX_VALUE, new CloudException("403 Invalid request signature", false)),
                SignalInstaller.NONE, "-W", "-p", "192.0.2.2");
        assertEquals(1, code, output());
        assertEquals(1, tries.get());
        assertEquals(List.of(), waits);
    }

    @Test
    void attachAndDetachFailFast() {
        assertEquals(1, run(failingFirst(1, new CloudException(NOT_YET, true)), SignalInstaller.NONE, "-A"), output());
        assertEquals(1, tries.get());
        assertEquals(1, run(failingFirst(2, new CloudException(NOT_YET, true)), SignalInstaller.NONE, "-D"), output());
        assertEquals(2, tries.get());
        assertEquals(List.of(), waits);
    }
}

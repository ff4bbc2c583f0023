package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoggingTest {

    private static final Path NO_SYSLOG = Path.of("/nonexistent/exoip-test/log");
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)";

    private final CapturedStreams streams = new CapturedStreams();
    private final Logger log = LogManager.getLogger("org.exoip.watchdog.WatchdogEngine");

    @AfterEach
    void resetLogging() {
        Logging.reset();
    }

    @Test
    void stdoutLineHasTimeLevelNodeLoggerAndMessage() {
        LogTarget actual = configure(LogTarget.STDOUT, Level.INFO, "i-1128bd56");

        log.info("State BACKUP -> MASTER");

        assertEquals(LogTarget.STDOUT, actual);
        List<String> lines = streams.outLines();
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).matches(TIME + " INFO  \\[i-1128bd56] WatchdogEngine: State BACKUP -> MASTER"),
                lines.get(0));
        assertEquals(List.of(), streams.errLines());
    }

    @Test
    void stderrTargetWritesTheSameLinesToStandardError() {
        configure(LogTarget.STDERR, Level.INFO, "node-e");

        log.warn("Peer 192.0.2.7 is dead");

        assertEquals(List.of(), streams.outLines());
        assertEquals(1, streams.errLines().size());
        assertTrue(streams.errLines().get(0).matches(TIME + " WARN  \\[node-e] WatchdogEngine: Peer 192.0.2.7 is dead"),
                streams.errLines().get(0));
    }

    @Test
    void debugIsWrittenOnlyWhenVerbose() {
        configure(LogTarget.STDOUT, Logging.level(false), "node-a");
        log.debug("hidden");
        log.info("shown");
        assertEquals(1, streams.outLines().size());

        configure(LogTarget.STDOUT, Logging.level(true), "node-a");
        log.debug("now shown");

        assertEquals(2, streams.outLines().size());
        assertTrue(streams.outLines().get(1).contains(" DEBUG [node-a] WatchdogEngine: now shown"));
    }

    @Test
    void exceptionIsOneClauseByDefaultAndAStackTraceAtDebug() {
        IOException failure = new IOException("attach failed", new IllegalStateException("HTTP 503"));
        configure(LogTarget.STDOUT, Level.INFO, "node-a");

        log.warn("Cannot attach the Elastic IP", failure);

        assertEquals(List.of(), streams.outLines().stream().filter(l -> l.contains("\tat ")).toList());
        assertEquals(1, streams.outLines().size());
        assertTrue(streams.outLines().get(0).endsWith("Cannot attach the Elastic IP (java.io.IOException: attach failed;"
                + " cause: java.lang.IllegalStateException: HTTP 503)"), streams.outLines().get(0));

        configure(LogTarget.STDOUT, Level.DEBUG, "node-a");
        log.warn("Cannot attach the Elastic IP", failure);

        List<String> debug = streams.outLines().subList(1, streams.outLines().size());
        assertTrue(debug.get(0).endsWith("WatchdogEngine: Cannot attach the Elastic IP"), debug.get(0));
        assertEquals("java.io.IOException: attach failed", debug.get(1));
        assertTrue(debug.stream().anyMatch(l -> l.startsWith("\tat ")), debug::toString);
        assertTrue(debug.stream().anyMatch(l -> l.startsWith("Caused by: java.lang.IllegalStateException: HTTP 503")));
    }

    @Test
    void eachNodeThreadFactoryThreadLogsAsItsNodeAndOtherThreadsAsTheProcess() throws InterruptedException {
        configure(LogTarget.STDOUT, Level.INFO, "process-node");
        Thread a = new NodeThreadFactory("node-a", "exoip-loop").newThread(() -> log.info("from a"));
        Thread b = new NodeThreadFactory("node-b", "exoip-loop").newThread(() -> log.info("from b"));
        Thread plain = new Thread(() -> log.info("from a plain thread"));

        for (Thread t : List.of(a, b, plain)) {
            t.start();
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(t.isAlive());
        }
        log.info("from main");

        String text = streams.outText();
        assertTrue(text.contains("[node-a] WatchdogEngine: from a"), text);
        assertTrue(text.contains("[node-b] WatchdogEngine: from b"), text);
        assertTrue(text.contains("[process-node] WatchdogEngine: from a plain thread"), text);
        assertTrue(text.contains("[process-node] WatchdogEngine: from main"), text);
    }

    @Test
    void aRegisteredSecretIsMaskedInMessagesAndExceptions() {
        String secret = "s3cr3t-Zq9bC0d1E2f3G4h5I6j7K8l9M0n1O2p3Q4r";
        Secrets.register(secret);
        configure(LogTarget.STDOUT, Level.DEBUG, "node-a");

        log.info("Using secret {}", secret);
        log.debug("Request failed", new IllegalStateException("bad signature for " + secret));

        assertFalse(streams.outText().contains(secret), streams.outText());
        assertTrue(streams.outLines().get(0).endsWith("Using secret " + Secrets.MASK));
        assertTrue(streams.outText().contains("bad signature for " + Secrets.MASK));
    }

    @Test
    void nodeIsRequiredAndCannotForgeALine() {
        assertThrows(IllegalArgumentException.class, () -> configure(LogTarget.STDOUT, Level.INFO, " "));
        assertThrows(NullPointerException.class, () -> configure(LogTarget.STDOUT, Level.INFO, null));

        configure(LogTarget.STDOUT, Level.INFO, "node\nFAKE");
        log.info("one line");

        assertEquals(1, streams.outLines().size());
        assertTrue(streams.outLines().get(0).contains("[node?FAKE] WatchdogEngine: one line"));
    }

    @Test
    void levelFollowsTheVerboseFlag() {
        assertEquals(Level.INFO, Logging.level(false));
        assertEquals(Level.DEBUG, Logging.level(true));
    }

    private LogTarget configure(LogTarget target, Level level, String node) {
        return Logging.configure(target, level, node, NO_SYSLOG, streams.out, streams.err);
    }
}

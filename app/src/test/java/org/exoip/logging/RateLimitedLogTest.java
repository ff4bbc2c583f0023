package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

    private final CapturedStreams streams = new CapturedStreams();
    private final AtomicLong clock = new AtomicLong(123_456_789L);
    private final Logger logger = LogManager.getLogger("org.exoip.watchdog.WatchdogEngine");

    @BeforeEach
    void captureLines() {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-a", Path.of("/nonexistent"), streams.out, streams.err);
    }

    @AfterEach
    void resetLogging() {
        Logging.reset();
    }

    @Test
    void firstLinePassesTheNextAreCountedAndTheWindowReopensWithTheCount() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get);

        log.warn("reject:192.0.2.7:LENGTH", "Dropped a datagram from 192.0.2.7:12345: 25 bytes");
        log.warn("reject:192.0.2.7:LENGTH", "Dropped a datagram from 192.0.2.7:12345: 26 bytes");
        advance(Duration.ofSeconds(9));
        log.warn("reject:192.0.2.7:LENGTH", "Dropped a datagram from 192.0.2.7:12345: 27 bytes");
        advance(Duration.ofSeconds(1));
        log.warn("reject:192.0.2.7:LENGTH", "Dropped a datagram from 192.0.2.7:12345: 28 bytes");

        assertEquals(List.of(
                "WARN  [node-a] WatchdogEngine: Dropped a datagram from 192.0.2.7:12345: 25 bytes",
                "WARN  [node-a] WatchdogEngine: Dropped a datagram from 192.0.2.7:12345: 28 bytes"
                        + " (2 similar suppressed in the last 10 s)"),
                messages());
        assertEquals(2, log.suppressed());
    }

    @Test
    void aWindowWithNothingSuppressedReopensWithoutACount() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get);

        log.warn("k", "one");
        advance(Duration.ofSeconds(30));
        log.warn("k", "two");

        assertEquals(List.of("WARN  [node-a] WatchdogEngine: one", "WARN  [node-a] WatchdogEngine: two"), messages());
    }

    @Test
    void keysAreLimitedSeparately() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get);

        log.warn("reject:192.0.2.7:VERSION", "a");
        log.warn("reject:192.0.2.8:VERSION", "b");
        log.warn("reject:192.0.2.7:LENGTH", "c");
        log.warn("reject:192.0.2.7:VERSION", "d");

        assertEquals(3, messages().size());
        assertEquals(1, log.suppressed());
    }

    @Test
    void severalLinesPerWindowWhenConfigured() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get, 3, Duration.ofSeconds(1), 16);

        for (int i = 1; i <= 5; i++) {
            log.info("k", "line " + i);
        }
        advance(Duration.ofMillis(1500));
        log.info("k", "line 6");

        assertEquals(List.of(
                "INFO  [node-a] WatchdogEngine: line 1",
                "INFO  [node-a] WatchdogEngine: line 2",
                "INFO  [node-a] WatchdogEngine: line 3",
                "INFO  [node-a] WatchdogEngine: line 6 (2 similar suppressed in the last 2 s)"),
                messages());
    }

    @Test
    void aKeyThatFallsSilentIsSummedUpWithTheNextLineOfAnyKey() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get);

        log.warn("noisy", "noisy 1");
        log.warn("noisy", "noisy 2");
        log.warn("noisy", "noisy 3");
        advance(Duration.ofSeconds(11));
        log.warn("other", "other 1");

        assertEquals(List.of(
                "WARN  [node-a] WatchdogEngine: noisy 1",
                "WARN  [node-a] WatchdogEngine: noisy 3 (last of 2 similar suppressed in the last 11 s)",
                "WARN  [node-a] WatchdogEngine: other 1"),
                messages());
        assertEquals(1, log.trackedKeys());
    }

    @Test
    void aFloodFromManyKeysIsBoundedInMemoryAndInLines() {
        int maxKeys = 16;
        RateLimitedLog log = new RateLimitedLog(logger, clock::get, 1, Duration.ofSeconds(10), maxKeys);

        for (int i = 0; i < 10_000; i++) {
            log.warn("reject:10.0." + (i >> 8) + "." + (i & 0xff) + ":LENGTH", "spoofed " + i);
            assertTrue(log.trackedKeys() <= maxKeys + 1, () -> log.trackedKeys() + " keys tracked");
        }

        List<String> lines = messages();
        assertEquals(maxKeys + 1, lines.size(), () -> String.join("\n", lines));
        assertEquals("WARN  [node-a] WatchdogEngine: spoofed 16 (over 16 sources: lines from new ones are limited together)",
                lines.get(maxKeys));
        assertEquals(10_000 - maxKeys - 1, log.suppressed());

        advance(Duration.ofSeconds(10));
        log.warn("reject:192.0.2.1:LENGTH", "after the flood");

        List<String> after = messages().subList(maxKeys + 1, messages().size());
        assertEquals(List.of(
                "WARN  [node-a] WatchdogEngine: spoofed 9999 (last of 9983 from other sources suppressed in the last 10 s)",
                "WARN  [node-a] WatchdogEngine: after the flood"),
                after);
        assertEquals(1, log.trackedKeys());
    }

    @Test
    void theOverflowWindowReopensWithItsCountWhenTheTableIsStillFull() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get, 1, Duration.ofSeconds(10), 2);
        log.warn("a", "a");
        advance(Duration.ofSeconds(5));
        log.warn("b", "b");
        log.warn("c", "c");   // table full: the shared window
        log.warn("d", "d");   // suppressed in it
        advance(Duration.ofSeconds(5));
        log.warn("a", "a again"); // a's window reopens; table full again with a and b
        log.warn("e", "e");   // b has not expired: e shares the overflow window, which has not expired either

        assertEquals(List.of(
                "WARN  [node-a] WatchdogEngine: a",
                "WARN  [node-a] WatchdogEngine: b",
                "WARN  [node-a] WatchdogEngine: c (over 2 sources: lines from new ones are limited together)",
                "WARN  [node-a] WatchdogEngine: a again"),
                messages());

        advance(Duration.ofSeconds(1));
        log.warn("a", "a third"); // suppressed: keeps the table full
        advance(Duration.ofSeconds(4));
        log.warn("f", "f");       // b and the overflow window expired: f gets b's place
        assertEquals("WARN  [node-a] WatchdogEngine: e (last of 2 from other sources suppressed in the last 10 s)",
                messages().get(4));
        assertEquals("WARN  [node-a] WatchdogEngine: f", messages().get(5));
    }

    @Test
    void aDisabledLevelTracksNothing() {
        RateLimitedLog log = new RateLimitedLog(logger, clock::get);

        log.log(Level.DEBUG, "k", "debug");

        assertEquals(List.of(), messages());
        assertEquals(0, log.trackedKeys());
    }

    @Test
    void impossibleLimitsAreRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new RateLimitedLog(logger, clock::get, 0, Duration.ofSeconds(10), 16));
        assertThrows(IllegalArgumentException.class,
                () -> new RateLimitedLog(logger, clock::get, 1, Duration.ZERO, 16));
        assertThrows(IllegalArgumentException.class,
                () -> new RateLimitedLog(logger, clock::get, 1, Duration.ofSeconds(10), 0));
    }

    private void advance(Duration by) {
        clock.addAndGet(by.toNanos());
    }

    /** The lines without their time stamps. */
    private List<String> messages() {
        return streams.outLines().stream().map(l -> l.substring(l.indexOf(' ') + 1)).toList();
    }

}

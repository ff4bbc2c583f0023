package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StallGuardTest {

    private static final long MS = 1_000_000L;

    @Test
    void turnsWithinTheIntervalAndItsSlackAreNoStall() {
        StallGuard guard = StallGuard.forInterval(Duration.ofMillis(500)); // threshold 750 ms
        assertTrue(guard.tick(0).isEmpty());
        assertTrue(guard.tick(500 * MS).isEmpty());
        assertTrue(guard.tick(1250 * MS).isEmpty());
        assertTrue(guard.tick(1250 * MS).isEmpty());
        assertEquals(0, guard.count());
    }

    @Test
    void aLongerGapIsAStallThatBeganAtTheLastTurn() {
        StallGuard guard = StallGuard.forInterval(Duration.ofMillis(500));
        guard.tick(1000 * MS);
        StallGuard.Stall stall = guard.tick(5001 * MS).orElseThrow();
        assertEquals(1000 * MS, stall.sinceNanos());
        assertEquals(4001 * MS, stall.gapNanos());
        assertEquals(5001 * MS, stall.endNanos());
        assertTrue(guard.tick(5002 * MS).isEmpty(), "the next turn counts from the stall's end");
        assertEquals(1, guard.count());
        assertEquals(stall, guard.last().orElseThrow());
    }

    @Test
    void shortIntervalsAllowAtLeastATenthOfASecond() {
        StallGuard guard = StallGuard.forInterval(Duration.ofMillis(20)); // threshold 120 ms
        guard.tick(0);
        assertTrue(guard.tick(120 * MS).isEmpty());
        assertTrue(guard.tick(241 * MS).isPresent());
    }

    @Test
    void theFirstTurnIsNoStallWhateverTheClockSays() {
        StallGuard guard = StallGuard.forInterval(Duration.ofSeconds(1));
        assertTrue(guard.tick(Long.MAX_VALUE - 5).isEmpty());
        assertTrue(guard.tick(Long.MIN_VALUE + 10).isEmpty(), "overflow-safe: a 15 ns gap");
    }
}

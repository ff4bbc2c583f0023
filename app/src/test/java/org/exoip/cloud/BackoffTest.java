package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2);

    @Test
    void doublesUpToTheCap() {
        assertEquals(Duration.ofMillis(200), backoff.delay(0, () -> 0.5));
        assertEquals(Duration.ofMillis(400), backoff.delay(1, () -> 0.5));
        assertEquals(Duration.ofMillis(6400), backoff.delay(5, () -> 0.5));
        assertEquals(Duration.ofSeconds(10), backoff.delay(6, () -> 0.5));
        assertEquals(Duration.ofSeconds(10), backoff.delay(62, () -> 0.5), "no overflow");
        assertEquals(Duration.ofSeconds(10), backoff.delay(Integer.MAX_VALUE, () -> 0.5));
    }

    @Test
    void jitterSpreadsBothWays() {
        assertEquals(Duration.ofMillis(160), backoff.delay(0, () -> 0.0));
        assertEquals(Duration.ofMillis(240), backoff.delay(0, () -> 1.0));
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0));
    }
}

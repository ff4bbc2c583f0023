package org.exoip.exoscale.standin;

import java.time.Duration;
import java.time.Instant;

/** A clock that moves only when a test says so. */
final class ManualClock implements StandinClock {

    private Instant now = Instant.parse("2025-06-01T12:00:00Z");
    private long nanos = 1_000_000_000L;

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized long nanos() {
        return nanos;
    }

    synchronized void advance(Duration by) {
        now = now.plus(by);
        nanos += by.toNanos();
    }
}

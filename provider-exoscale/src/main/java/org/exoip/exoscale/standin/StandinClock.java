package org.exoip.exoscale.standin;

import java.time.Instant;

/**
 * Where the stand-in reads time: a wall clock for signature expiry and event timestamps people
 * read, and a monotonic tick for operation delays and failover measurements.
 *
 * <p>Tests inject their own to make operations complete without sleeping. Implementations must be
 * thread-safe: request threads and the operation timer read them concurrently.
 */
public interface StandinClock {

    /** Wall-clock time. */
    Instant now();

    /** Monotonic nanoseconds, comparable only with other values of the same clock. */
    long nanos();

    /** The JVM's clocks: {@link Instant#now()} and {@link System#nanoTime()}. */
    static StandinClock system() {
        return new StandinClock() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public long nanos() {
                return System.nanoTime();
            }
        };
    }
}

package org.exoip.cloud;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential back-off with jitter: {@code initial × 2^attempt}, capped at {@code max}, then
 * spread by ±{@code jitter} so that nodes retrying together drift apart.
 */
public record Backoff(Duration initial, Duration max, double jitter) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < initial <= max, got " + initial + ", " + max);
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    /** The delay before retry number {@code attempt} (0 for the first retry). */
    public Duration delay(int attempt, DoubleSupplier random) {
        long base = initial.toNanos();
        long cap = max.toNanos();
        int doublings = Math.max(0, attempt);
        long nanos = doublings >= 62 || base > cap >> doublings ? cap : base << doublings;
        double spread = 1 + jitter * (2 * random.getAsDouble() - 1);
        return Duration.ofNanos(Math.max(1, (long) (nanos * spread)));
    }
}

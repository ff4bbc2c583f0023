package org.exoip.exoscale;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ExoscaleClient} retries a call that failed for a passing reason (429, 5xx, timeout,
 * lost connection): exponential back-off from {@code firstDelay} doubling to {@code maxDelay},
 * spread by ±{@code jitter}, at most {@code maxAttempts} tries and {@code maxElapsed} in all. A
 * 429's {@code Retry-After} replaces the back-off delay, but never beyond {@code maxRetryAfter}.
 */
public record RetrySchedule(int maxAttempts, Duration firstDelay, Duration maxDelay, double jitter,
        Duration maxElapsed, Duration maxRetryAfter) {

    /**
     * Production default: 4 tries within 10 s. A failover daemon retries again on its own next
     * tick, so one call should give up well before the watchdog's own deadlines.
     */
    public static final RetrySchedule DEFAULT = new RetrySchedule(4, Duration.ofMillis(100), Duration.ofSeconds(2),
            0.2, Duration.ofSeconds(10), Duration.ofSeconds(5));

    /** One try, no retry. */
    public static final RetrySchedule NONE = new RetrySchedule(1, Duration.ofMillis(1), Duration.ofMillis(2), 0,
            Duration.ofSeconds(1), Duration.ZERO);

    public RetrySchedule {
        Objects.requireNonNull(firstDelay, "firstDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxElapsed, "maxElapsed");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("retry maxAttempts must be at least 1, got " + maxAttempts);
        }
        // Failsafe's back-off needs 0 < first < max, and a total budget longer than one delay.
        if (firstDelay.isNegative() || firstDelay.isZero() || firstDelay.compareTo(maxDelay) >= 0) {
            throw new IllegalArgumentException(
                    "retry delays need 0 < firstDelay < maxDelay, got " + firstDelay + " and " + maxDelay);
        }
        if (maxElapsed.compareTo(firstDelay) <= 0) {
            throw new IllegalArgumentException(
                    "retry maxElapsed must be longer than firstDelay, got " + maxElapsed + " and " + firstDelay);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("retry jitter must be in [0, 1), got " + jitter);
        }
        if (maxRetryAfter.isNegative()) {
            throw new IllegalArgumentException("retry maxRetryAfter must not be negative, got " + maxRetryAfter);
        }
    }
}

package org.exoip.exoscale;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ExoscaleClient} waits for an attach or detach operation: first poll after
 * {@code firstDelay}, then doubling up to {@code maxDelay}, giving up after {@code deadline}.
 * The official SDKs poll every 1-3 s; exoip polls fast at first because failover time counts.
 */
public record PollSchedule(Duration firstDelay, Duration maxDelay, Duration deadline) {

    /** 50 ms, 100, 200 … capped at 2 s, for at most a minute. */
    public static final PollSchedule DEFAULT =
            new PollSchedule(Duration.ofMillis(50), Duration.ofSeconds(2), Duration.ofMinutes(1));

    public PollSchedule {
        Objects.requireNonNull(firstDelay, "firstDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(deadline, "deadline");
        if (firstDelay.isNegative() || firstDelay.isZero() || firstDelay.compareTo(maxDelay) > 0) {
            throw new IllegalArgumentException(
                    "poll delays need 0 < firstDelay <= maxDelay, got " + firstDelay + " and " + maxDelay);
        }
        if (deadline.compareTo(firstDelay) <= 0) {
            throw new IllegalArgumentException(
                    "poll deadline must be longer than firstDelay, got " + deadline + " and " + firstDelay);
        }
    }
}

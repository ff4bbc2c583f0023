package org.exoip.watchdog;

import java.time.Duration;
import java.util.Optional;

/**
 * Tells when this node itself stopped running: the event loop runs at least once an interval
 * (the adverts are sent on it), so a longer gap between two of its turns, measured on the
 * monotonic clock, means the process was stopped (SIGSTOP), paused (a long GC, a frozen VM) or
 * starved. Lifeguard's lesson: after such a gap the slow one is usually us, and the peers' adverts
 * of that time may still wait unread in our sockets, so nobody is judged dead on the gap alone.
 *
 * <p>Time is a parameter; not thread-safe: owned by the event loop.
 */
final class StallGuard {

    /** A gap of this node's own: when it began and how long it lasted (monotonic nanoseconds). */
    record Stall(long sinceNanos, long gapNanos) {
        long endNanos() {
            return sinceNanos + gapNanos;
        }
    }

    private final long thresholdNanos;
    private boolean ticked;
    private long lastTickNanos;
    private long count;
    private Stall last;

    /**
     * @param interval the advert interval: the loop turns at least this often
     * @param slack    how much later than that a turn may come before it counts as a stall
     */
    StallGuard(Duration interval, Duration slack) {
        this.thresholdNanos = interval.toNanos() + slack.toNanos();
    }

    /** For an advert interval: a stall is a turn later than the interval plus half of it, and at least 100 ms. */
    static StallGuard forInterval(Duration interval) {
        Duration half = interval.dividedBy(2);
        return new StallGuard(interval, half.compareTo(Duration.ofMillis(100)) > 0 ? half : Duration.ofMillis(100));
    }

    /** A turn of the loop at {@code nanos}; returns the stall that ended now, if the gap since the last turn was one. */
    Optional<Stall> tick(long nanos) {
        if (!ticked) {
            ticked = true;
            lastTickNanos = nanos;
            return Optional.empty();
        }
        long gap = nanos - lastTickNanos;
        if (gap <= 0) {
            return Optional.empty(); // several turns at one moment
        }
        lastTickNanos = nanos;
        if (gap <= thresholdNanos) {
            return Optional.empty();
        }
        count++;
        last = new Stall(nanos - gap, gap);
        return Optional.of(last);
    }

    /** How many stalls were seen. */
    long count() {
        return count;
    }

    /** The last stall seen, if any. */
    Optional<Stall> last() {
        return Optional.ofNullable(last);
    }
}

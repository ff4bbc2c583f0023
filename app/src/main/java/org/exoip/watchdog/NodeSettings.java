package org.exoip.watchdog;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The settings of one watchdog node, checked once.
 *
 * @param self      this node's instance id, carried in its adverts
 * @param elasticIp the shared Elastic IP
 * @param priority  initial priority, 0 (best) to 255
 * @param interval  time between two adverts, at least 10 ms
 * @param deadRatio a peer is dead after more than {@code interval × deadRatio} of silence (plus
 *                  {@link #lateAllowance()}); at least 1
 */
public record NodeSettings(UUID self, Inet4Address elasticIp, int priority, Duration interval, int deadRatio) {

    /** The shortest advert interval accepted. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);

    public NodeSettings {
        Objects.requireNonNull(self, "self");
        Objects.requireNonNull(elasticIp, "elasticIp");
        Objects.requireNonNull(interval, "interval");
        if (priority < Priority.BEST || priority > Priority.WORST) {
            throw new IllegalArgumentException("priority " + priority + " is outside 0..255");
        }
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval " + interval + " is below the minimum of 10 ms");
        }
        if (deadRatio < 1) {
            throw new IllegalArgumentException("dead ratio " + deadRatio + " is below 1");
        }
    }

    /** These settings for another Elastic IP kept by the same node, with this node's priority for it. */
    public NodeSettings forAddress(Inet4Address address, int priorityThere) {
        return new NodeSettings(self, address, priorityThere, interval, deadRatio);
    }

    /** The most that {@link #lateAllowance()} adds, whatever the interval. */
    public static final Duration MAX_LATE_ALLOWANCE = Duration.ofMillis(50);

    /** How long a peer may stay silent before it is dead; also the start-up hold-off. */
    public Duration deadTimeout() {
        return interval.multipliedBy(deadRatio);
    }

    /**
     * How much later than {@link #deadTimeout()} a silent peer is declared dead: a tenth of an
     * interval, at most {@link #MAX_LATE_ALLOWANCE}. With ratio 3 and two adverts lost in a row,
     * the third comes in one dead time after the last one heard, give or take the network's and
     * the schedulers' jitter (and the 10 ms between a master's copies, when the second copy of the
     * last one heard was lost): without this allowance that advert loses a race with the clock
     * half of the time, and the node tolerates one lost advert fewer than its ratio says.
     */
    public Duration lateAllowance() {
        Duration tenth = interval.dividedBy(10);
        return tenth.compareTo(MAX_LATE_ALLOWANCE) < 0 ? tenth : MAX_LATE_ALLOWANCE;
    }

    /** {@link #deadTimeout()} plus {@link #lateAllowance()}: silence beyond this and a peer is dead. */
    public Duration livenessTimeout() {
        return deadTimeout().plus(lateAllowance());
    }
}

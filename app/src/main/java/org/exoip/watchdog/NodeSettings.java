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
 * @param deadRatio a peer is dead after more than {@code interval × deadRatio} of silence; at least 1
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

    /** How long a peer may stay silent before it is dead; also the start-up hold-off. */
    public Duration deadTimeout() {
        return interval.multipliedBy(deadRatio);
    }
}

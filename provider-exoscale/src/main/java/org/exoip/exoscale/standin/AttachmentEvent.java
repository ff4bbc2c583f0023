package org.exoip.exoscale.standin;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One change of who holds an Elastic IP, recorded when the change takes effect (when its
 * operation completes, not when it was requested), so tests can measure failover and the time
 * an Elastic IP had no holder.
 *
 * @param at           wall-clock time of the change, for people
 * @param nanos        monotonic time of the change ({@link StandinClock#nanos()}), for durations
 * @param kind         attach or detach
 * @param instanceId   the instance attached or detached
 * @param elasticIpId  the Elastic IP concerned
 * @param holdersAfter the instances holding the Elastic IP right after the change
 */
public record AttachmentEvent(Instant at, long nanos, Kind kind, String instanceId, String elasticIpId,
        Set<String> holdersAfter) {

    /** What happened to the attachment. */
    public enum Kind { ATTACH, DETACH }

    public AttachmentEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(elasticIpId, "elasticIpId");
        holdersAfter = Set.copyOf(holdersAfter);
    }
}

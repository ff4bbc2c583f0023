package org.exoip.protocol;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.UUID;

/**
 * One node's claim on an Elastic IP: its priority (lower value = higher rank) and its instance id.
 *
 * @param priority   unsigned 0..255, lower value wins
 * @param elasticIp  the Elastic IP the advert is about
 * @param instanceId the id of the advertising instance
 */
public record Advert(int priority, Inet4Address elasticIp, UUID instanceId) {

    /** Lowest priority value, the highest rank. */
    public static final int MIN_PRIORITY = 0;
    /** Highest priority value that fits the one unsigned byte on the wire. */
    public static final int MAX_PRIORITY = 255;

    public Advert {
        if (priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException(
                    "priority " + priority + " out of range (expected: " + MIN_PRIORITY + ".." + MAX_PRIORITY + ")");
        }
        Objects.requireNonNull(elasticIp, "elasticIp");
        Objects.requireNonNull(instanceId, "instanceId");
    }

    /** The same advert with another priority, validated like any other. */
    public Advert withPriority(int newPriority) {
        return new Advert(newPriority, elasticIp, instanceId);
    }
}

package org.exoip.health;

import java.util.List;
import java.util.Objects;

/**
 * What the node's health checks and track file ask of its priority now; immutable.
 *
 * @param tracked    whether any check or track file is configured (false: {@link #NONE})
 * @param faults     why the node is in fault (empty when it is not): it may then not be master
 * @param checkDelta the sum of the weights of the failing weight checks
 * @param trackValue the number in the track file (0 when missing or when there is none)
 */
public record HealthVerdict(boolean tracked, List<String> faults, int checkDelta, int trackValue) {

    /** No checks, no track file: the priority is the configured one. */
    public static final HealthVerdict NONE = new HealthVerdict(false, List.of(), 0, 0);

    /** The worst priority a healthy node advertises; 255 means stopping or in fault. */
    public static final int WORST_USABLE = 254;

    public HealthVerdict {
        faults = List.copyOf(Objects.requireNonNull(faults, "faults"));
    }

    /**
     * Whether the node is in fault with {@code base} as its own priority: a failing fault check, an
     * unusable track file, or a track-file value pushing the priority past {@value #WORST_USABLE}.
     */
    public boolean fault(int base) {
        return !faults.isEmpty() || base + trackValue > WORST_USABLE;
    }

    /** Why the node is in fault with priority {@code base}, in words; empty when it is not. */
    public List<String> faultReasons(int base) {
        if (faults.isEmpty() && base + trackValue > WORST_USABLE) {
            return List.of("track file value " + trackValue + " makes priority " + base + " unusable ("
                    + (base + trackValue) + " > " + WORST_USABLE + ")");
        }
        return faults;
    }

    /** The priority to advertise when not in fault: {@code base} moved by the checks and the track file, within 0..254. */
    public int priority(int base) {
        return Math.max(0, Math.min(WORST_USABLE, base + checkDelta + trackValue));
    }
}

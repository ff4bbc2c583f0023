package org.exoip.protocol;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * An operator's request to a node ({@code exoip handover}): give up its Elastic IPs and stay out of
 * the election, or come back ({@link Action#RELEASE}).
 *
 * @param elasticIp    the one Elastic IP to give up; empty: every one the node keeps
 * @param toId         the instance that should take over, by id; empty: whichever the election picks
 * @param toAddress    the same by its address (the client resolves a name to it)
 * @param hold         how long to stay out of the election; {@link Duration#ZERO}: until released or restarted
 * @param confirmWithin how long the node watches the holders to confirm; zero: no confirmation wanted
 * @param counter      the request's id and replay counter: the sender's wall-clock microseconds
 */
public record HandoverRequest(Action action, Optional<Inet4Address> elasticIp, Optional<UUID> toId,
        Optional<Inet4Address> toAddress, Duration hold, Duration confirmWithin, long counter) {

    /** What the operator asks for. */
    public enum Action {
        HAND_OVER(1), RELEASE(2);

        final int code;

        Action(int code) {
            this.code = code;
        }

        static Optional<Action> valueOf(int code) {
            for (Action action : values()) {
                if (action.code == code) {
                    return Optional.of(action);
                }
            }
            return Optional.empty();
        }
    }

    /** The longest hold or wait the four bytes of milliseconds carry: about 49 days. */
    public static final Duration MAX_DURATION = Duration.ofMillis(0xFFFF_FFFFL);

    public HandoverRequest {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(elasticIp, "elasticIp");
        Objects.requireNonNull(toId, "toId");
        Objects.requireNonNull(toAddress, "toAddress");
        checked(hold, "hold");
        checked(confirmWithin, "confirmWithin");
    }

    private static void checked(Duration duration, String what) {
        Objects.requireNonNull(duration, what);
        if (duration.isNegative() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(what + " of " + duration.toMillis() + " ms (expected: 0 to "
                    + MAX_DURATION.toMillis() + " ms)");
        }
    }

    /** Whether a target node was named. */
    public boolean targeted() {
        return toId.isPresent() || toAddress.isPresent();
    }
}

package org.exoip.cloud;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's claim to an Elastic IP, kept in the address's own labels ({@value #LABEL}) so that
 * nodes that cannot hear each other still see, through the API every one of them reaches, who
 * took the address last. A takeover writes a term one above the highest it read; a claim is
 * renewed (same term, new stamp) by its owner while some peer is out of hearing. The API has no
 * conditional update, so this is detect-and-yield, not compare-and-swap: the last writer's claim
 * stands, and every other claimant yields to it once it reads it back.
 *
 * @param term    increases with every takeover
 * @param owner   the instance that wrote it
 * @param stamp   the owner's wall clock when it wrote it, in milliseconds: only makes each renewal
 *                a new value (readers judge freshness by when they saw the value change, on their
 *                own monotonic clock, never by comparing clocks)
 */
public record Claim(long term, UUID owner, long stamp) {

    /** The label key. */
    public static final String LABEL = "exoip-claim";
    private static final Pattern VALUE = Pattern.compile("(\\d{1,18})\\.([0-9a-fA-F-]{36})\\.(\\d{1,18})");

    public Claim {
        Objects.requireNonNull(owner, "owner");
        if (term < 1) {
            throw new IllegalArgumentException("claim term " + term + " (expected: 1 or more)");
        }
    }

    /** The label value, {@code TERM.OWNER.STAMP}: digits, hex and dots, as labels take them. */
    public String encode() {
        return term + "." + owner + "." + stamp;
    }

    /** A label value read back; empty when absent or not a claim (an operator's edit). */
    public static Optional<Claim> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher m = VALUE.matcher(value.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Claim(Long.parseLong(m.group(1)), UUID.fromString(m.group(2)),
                    Long.parseLong(m.group(3))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The same claim renewed at {@code stamp}. */
    public Claim renewed(long newStamp) {
        return new Claim(term, owner, newStamp);
    }
}

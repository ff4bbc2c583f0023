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
 * @param stamp   the owner's wall clock when it wrote it, in milliseconds: makes each renewal a
 *                new value (readers judge freshness by when they saw the value change, on their own
 *                monotonic clock), and tells a takeover under way (a claim of renewal 0 written
 *                a moment ago) from an established owner
 * @param renewals how many times the owner renewed this term's claim; 0 for the takeover itself
 */
public record Claim(long term, UUID owner, long stamp, long renewals) {

    /** The label key. */
    public static final String LABEL = "exoip-claim";
    private static final Pattern VALUE = Pattern.compile(
            "(\\d{1,18})\\.([0-9a-fA-F-]{36})\\.(\\d{1,18})(?:\\.(\\d{1,18}))?");

    public Claim {
        Objects.requireNonNull(owner, "owner");
        if (term < 1) {
            throw new IllegalArgumentException("claim term " + term + " (expected: 1 or more)");
        }
        if (renewals < 0) {
            throw new IllegalArgumentException("claim renewals " + renewals + " (expected: 0 or more)");
        }
    }

    /** A takeover's claim, not renewed yet. */
    public Claim(long term, UUID owner, long stamp) {
        this(term, owner, stamp, 0);
    }

    /** The label value, {@code TERM.OWNER.STAMP.RENEWALS}: digits, hex and dots, as labels take them. */
    public String encode() {
        return term + "." + owner + "." + stamp + "." + renewals;
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
                    Long.parseLong(m.group(3)), m.group(4) == null ? 0 : Long.parseLong(m.group(4))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The same claim renewed at {@code newStamp}. */
    public Claim renewed(long newStamp) {
        return new Claim(term, owner, newStamp, renewals + 1);
    }
}

package org.exoip.watchdog;

import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;

/** A node as the election sees it: its priority and instance id. */
public record Candidate(UUID id, int priority) {

    /**
     * Lower priority value first; equal priorities are ordered by the 16 id bytes, compared
     * unsigned and big-endian as they travel in the advert, so that every node ranks the same way.
     */
    public static final Comparator<Candidate> RANK = Comparator.comparingInt(Candidate::priority)
            .thenComparing(Candidate::id, Candidate::compareIdBytes);

    public Candidate {
        Objects.requireNonNull(id, "id");
    }

    /** Compares two ids as their 16 wire bytes, unsigned, most significant first. */
    static int compareIdBytes(UUID a, UUID b) {
        int high = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return high != 0 ? high : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    /** Whether this node ranks strictly before {@code other}. */
    public boolean beats(Candidate other) {
        return RANK.compare(this, other) < 0;
    }
}

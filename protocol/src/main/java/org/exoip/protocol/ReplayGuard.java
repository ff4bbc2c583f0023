package org.exoip.protocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The last counter accepted from each sender: an authenticated advert is accepted only with a
 * counter above it, so a recorded advert cannot be played again. Counters are unsigned.
 *
 * <p>The sender is the instance id inside the signed bytes, not the source address: a genuine
 * advert is then accepted at most once, whichever peer address it is sent from again.
 *
 * <p>Memory is bounded: at most {@code maxSenders} senders are remembered, the least recently
 * heard from forgotten first. Only correctly signed adverts reach this object, so only holders of
 * the key can add senders. Not thread-safe: owned by the decoder's event loop.
 */
public final class ReplayGuard {

    /** Default number of senders remembered: far more than any group of peers. */
    public static final int DEFAULT_MAX_SENDERS = 4096;

    private final Map<UUID, long[]> last;

    public ReplayGuard() {
        this(DEFAULT_MAX_SENDERS);
    }

    public ReplayGuard(int maxSenders) {
        if (maxSenders < 1) {
            throw new IllegalArgumentException("maxSenders " + maxSenders + " (expected: at least 1)");
        }
        // Access order, so that the eldest entry is the sender heard from least recently.
        this.last = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, long[]> eldest) {
                return size() > maxSenders;
            }
        };
    }

    /**
     * Accepts {@code counter} from {@code sender} if it is above the last one accepted from that
     * sender (any counter from a sender not seen before), and remembers it.
     *
     * @return true if accepted; false for a replayed or stale advert, which changes nothing
     */
    public boolean accept(UUID sender, long counter) {
        long[] slot = last.get(sender);
        if (slot == null) {
            last.put(sender, new long[] {counter});
            return true;
        }
        if (Long.compareUnsigned(counter, slot[0]) <= 0) {
            return false;
        }
        slot[0] = counter;
        return true;
    }

    /** The last counter accepted from {@code sender}, if any. */
    public OptionalLong last(UUID sender) {
        long[] slot = last.get(sender);
        return slot == null ? OptionalLong.empty() : OptionalLong.of(slot[0]);
    }

    /** Senders remembered now. */
    public int size() {
        return last.size();
    }
}

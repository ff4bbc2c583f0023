package org.exoip.protocol;

import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * The last counter accepted from each sender: an authenticated advert is accepted only with a
 * counter above it, so a recorded advert cannot be played again. Counters are unsigned.
 *
 * <p>The sender is the instance id inside the signed bytes, not the source address: a genuine
 * advert is then accepted at most once, whichever peer address it is sent from again. A node
 * that keeps several Elastic IPs signs the adverts of all of them with one rising counter, a
 * burst of one advert per address; they are checked per (sender, Elastic IP), so that two
 * adverts of one burst that the network swaps are both accepted, while a replay of any is not.
 *
 * <p>Memory is bounded: at most {@code maxSenders} senders are remembered, the least recently
 * heard from forgotten first. Only correctly signed adverts reach this object, so only holders of
 * the key can add senders. Not thread-safe: owned by the decoder's event loop.
 */
public final class ReplayGuard {

    /** Default number of senders remembered: far more than any group of peers. */
    public static final int DEFAULT_MAX_SENDERS = 4096;

    /** A sender's adverts about one Elastic IP (its 4 bytes as an int; 0 for adverts about none). */
    private record Key(UUID sender, int elasticIp) {
    }

    private final Map<Key, long[]> last;

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
            protected boolean removeEldestEntry(Map.Entry<Key, long[]> eldest) {
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
        return accept(new Key(sender, 0), counter);
    }

    /** As {@link #accept(UUID, long)}, for the sender's adverts about {@code elasticIp}. */
    public boolean accept(UUID sender, Inet4Address elasticIp, long counter) {
        return accept(new Key(sender, ElasticIpSet.toInt(elasticIp)), counter);
    }

    private boolean accept(Key key, long counter) {
        long[] slot = last.get(key);
        if (slot == null) {
            last.put(key, new long[] {counter});
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
        return last(new Key(sender, 0));
    }

    /** The last counter accepted from {@code sender} about {@code elasticIp}, if any. */
    public OptionalLong last(UUID sender, Inet4Address elasticIp) {
        return last(new Key(sender, ElasticIpSet.toInt(elasticIp)));
    }

    private OptionalLong last(Key key) {
        long[] slot = last.get(key);
        return slot == null ? OptionalLong.empty() : OptionalLong.of(slot[0]);
    }

    /** Senders remembered now, one per Elastic IP they advertise. */
    public int size() {
        return last.size();
    }
}

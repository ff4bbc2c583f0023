package org.exoip.watchdog;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * How the candidates for one Elastic IP are ordered after their priority, the same on every node.
 *
 * <ul>
 *   <li>{@link #byId()}: by instance id ({@link Candidate#RANK}), as one address always was: among
 *       equal priorities the same node wins every address.</li>
 *   <li>{@link #spread(Inet4Address)} ({@code --spread}): by rendezvous (highest random weight)
 *       hashing, the node with the highest {@link #weight} of (address, instance id) first. Each
 *       address has an order of its own over the nodes, drawn as if at random, so that with N nodes
 *       of equal priority each is first for about 1/N of the addresses; every node computes the same
 *       order from what the adverts carry; and a node that leaves changes the winner only of the
 *       addresses it had won, while one that comes back wins exactly those back (unless
 *       {@code --no-preempt}).</li>
 * </ul>
 */
public final class Placement {

    /** Weights remembered per comparator, at most; past it the memory starts over (a churn of ids). */
    private static final int MAX_CACHED = 4096;

    private Placement() {
    }

    /** Lower priority value first, then the lower id: the original single-address order. */
    public static Comparator<Candidate> byId() {
        return Candidate.RANK;
    }

    /**
     * Lower priority value first, then the higher rendezvous weight for {@code elasticIp}, then the
     * lower id (only for two ids of equal weight, which never happens in practice). Keeps the weights
     * it computed: call it on one thread (the event loop).
     */
    public static Comparator<Candidate> spread(Inet4Address elasticIp) {
        byte[] address = elasticIp.getAddress();
        Map<UUID, Long> weights = new HashMap<>();
        Comparator<Candidate> byWeight = (a, b) -> Long.compareUnsigned(cached(weights, address, b.id()),
                cached(weights, address, a.id()));
        return Comparator.comparingInt(Candidate::priority).thenComparing(byWeight).thenComparing(Candidate.RANK);
    }

    private static long cached(Map<UUID, Long> weights, byte[] address, UUID id) {
        Long known = weights.get(id);
        if (known != null) {
            return known;
        }
        if (weights.size() >= MAX_CACHED) {
            weights.clear();
        }
        long weight = weight(address, id);
        weights.put(id, weight);
        return weight;
    }

    /**
     * The rendezvous weight of a node for an address: the first 8 bytes, big-endian and unsigned, of
     * SHA-256 over the address's 4 bytes followed by the id's 16 bytes as adverts carry them. Any
     * implementation gets the same number from the same advert bytes.
     */
    public static long weight(Inet4Address elasticIp, UUID id) {
        return weight(elasticIp.getAddress(), id);
    }

    private static long weight(byte[] address, UUID id) {
        ByteBuffer input = ByteBuffer.allocate(20).put(address)
                .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(input.array())).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

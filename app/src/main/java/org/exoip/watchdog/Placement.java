package org.exoip.watchdog;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Where the masters of several Elastic IPs go, the same on every node.
 *
 * <ul>
 *   <li>{@link #byId()}: among equal priorities by instance id ({@link Candidate#RANK}), as one
 *       address always was: the same node wins every address.</li>
 *   <li>{@code --spread}: each address has a <em>home</em> among the nodes known to keep it
 *       ({@link #homes}), and a node advertises its priority for an address that is not its home
 *       {@link #AWAY_PENALTY} worse. Among equal priorities, then, each address goes to its home
 *       while its home is alive, and otherwise to the node ranked first by rendezvous (highest
 *       random weight) hashing of (address, instance id) ({@link #spread(Inet4Address)}).</li>
 * </ul>
 *
 * <p>Why homes and not rendezvous hashing alone: rendezvous hashing moves only a leaving node's
 * addresses, but it balances only on average: with 3 nodes and 3 addresses, some node masters two
 * or all three in 7 clusters out of 9, since each address draws its node as if at random. Homes are dealt
 * out so that every node known has {@code floor(M/N)} or {@code ceil(M/N)} of them, each address
 * to the node of highest weight that still has room. A node that dies stays known (its peer entry
 * keeps its id), so the homes stay where they are: only the dead node's addresses move, each to
 * its own best survivor, and they come back with it. Homes change only when the set of nodes known
 * changes (a peer heard for the first time, or removed from the peer list).
 *
 * <p>Safety never depends on the nodes agreeing on the homes: every election is decided from the
 * advertised priorities, which all nodes see alike. A node with another view of who is known (it
 * restarted while a peer was dead) may place one address less well until the views agree.
 */
public final class Placement {

    /** Weights remembered per comparator, at most; past it the memory starts over (a churn of ids). */
    private static final int MAX_CACHED = 4096;

    /** How much worse, with {@code --spread}, a node advertises its priority for an address that is not its home. */
    public static final int AWAY_PENALTY = 1;

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
     * The priority a node advertises for an address that is not its home: {@link #AWAY_PENALTY}
     * worse, but never {@link Priority#WORST}, which means stopping or in fault.
     */
    public static int away(int priority) {
        return priority >= Priority.WORST - AWAY_PENALTY ? Math.max(priority, Priority.WORST - 1)
                : priority + AWAY_PENALTY;
    }

    /**
     * The home of each address: dealt out so that each node known for any address has
     * {@code floor(M/N)} or {@code ceil(M/N)} homes (N the nodes known, M the addresses), taking the
     * (address, node) pairs by falling {@link #weight}, each address to the first node that is
     * known for it and still has room. An address whose nodes are all full (a node known for some
     * addresses only) goes to its node of highest weight. Depends only on its argument, not on its
     * order.
     *
     * @param known for each address, the nodes known to keep it (this one and the peers heard
     *     advertising it)
     */
    public static Map<Inet4Address, UUID> homes(Map<Inet4Address, ? extends Collection<UUID>> known) {
        record Pair(Inet4Address address, UUID node, long weight) {
        }
        List<Pair> pairs = new ArrayList<>();
        Set<UUID> nodes = new HashSet<>();
        for (Map.Entry<Inet4Address, ? extends Collection<UUID>> each : known.entrySet()) {
            for (UUID node : new HashSet<>(each.getValue())) {
                pairs.add(new Pair(each.getKey(), node, weight(each.getKey(), node)));
                nodes.add(node);
            }
        }
        // By falling weight; equal weights (never in practice) by address, then id, so all nodes agree.
        pairs.sort(Comparator.comparing(Pair::weight, (a, b) -> Long.compareUnsigned(b, a))
                .thenComparing(p -> p.address().getAddress(), Arrays::compareUnsigned)
                .thenComparing(Pair::node, Candidate::compareIdBytes));
        int m = known.size();
        int n = Math.max(1, nodes.size());
        int floor = m / n;
        int roomAtCeiling = m % n; // how many nodes may have one more than floor
        Map<UUID, Integer> load = new HashMap<>();
        Map<Inet4Address, UUID> homes = new HashMap<>();
        for (Pair pair : pairs) {
            if (homes.containsKey(pair.address())) {
                continue;
            }
            int has = load.getOrDefault(pair.node(), 0);
            boolean room = has < floor || has == floor && roomAtCeiling > 0;
            if (room) {
                if (has == floor) {
                    roomAtCeiling--;
                }
                load.put(pair.node(), has + 1);
                homes.put(pair.address(), pair.node());
            }
        }
        for (Pair pair : pairs) { // the first pair of an address left over is its best node
            homes.putIfAbsent(pair.address(), pair.node());
        }
        return Map.copyOf(homes);
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

package org.exoip.watchdog;

import java.net.Inet4Address;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The Elastic IPs one watchdog keeps, each with its own election, and how they are placed.
 *
 * @param addresses the addresses in the order given, at least one, no repeats
 * @param spread    {@code --spread}: among equal priorities, each address's master is chosen by
 *                  rendezvous hashing ({@link Placement#spread}), so that the masters spread over the nodes
 * @param noPreempt {@code --no-preempt}: an address stays with its master until that master stops,
 *                  faults or dies, even when a better node comes back ({@link Watchdog.Rules#noPreempt()})
 */
public record KeptAddresses(List<KeptAddress> addresses, boolean spread, boolean noPreempt) {

    /** The most Elastic IPs one watchdog keeps: each costs a thread and an advert per peer per interval. */
    public static final int MAX = 64;

    /**
     * One kept Elastic IP.
     *
     * @param priority this node's priority for it, when given as {@code ADDRESS:PRIORITY}; otherwise
     *                 the node's own ({@code -P})
     */
    public record KeptAddress(Inet4Address address, OptionalInt priority) {
        public KeptAddress {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(priority, "priority");
            priority.ifPresent(p -> {
                if (p < Priority.BEST || p > Priority.WORST) {
                    throw new IllegalArgumentException("priority " + p + " for " + address.getHostAddress()
                            + " is outside 0..255");
                }
            });
        }

        public static KeptAddress of(Inet4Address address) {
            return new KeptAddress(address, OptionalInt.empty());
        }
    }

    public KeptAddresses {
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("no Elastic IP to keep");
        }
        if (addresses.size() > MAX) {
            throw new IllegalArgumentException(addresses.size() + " Elastic IPs (expected: at most " + MAX + ")");
        }
        Set<Inet4Address> seen = new HashSet<>();
        for (KeptAddress a : addresses) {
            if (!seen.add(a.address())) {
                throw new IllegalArgumentException("Elastic IP " + a.address().getHostAddress() + " given twice");
            }
        }
    }

    /** One address, placed as the original did. */
    public static KeptAddresses of(Inet4Address address) {
        return new KeptAddresses(List.of(KeptAddress.of(address)), false, false);
    }

    public Inet4Address first() {
        return addresses.get(0).address();
    }

    public List<Inet4Address> list() {
        return addresses.stream().map(KeptAddress::address).toList();
    }

    /** This node's settings for {@code address}: its priority there, the rest as {@code node}. */
    NodeSettings settingsFor(KeptAddress address, NodeSettings node) {
        return node.forAddress(address.address(), address.priority().orElse(node.priority()));
    }

    /** The election rules of {@code address}. */
    Watchdog.Rules rulesFor(Inet4Address address) {
        return new Watchdog.Rules(spread ? Placement.spread(address) : Placement.byId(), noPreempt);
    }
}

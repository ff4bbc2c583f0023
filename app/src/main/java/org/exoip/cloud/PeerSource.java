package org.exoip.cloud;

import java.net.InetAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import org.exoip.exoscale.Instance;

/**
 * Where the watchdog learns its peers' addresses: a fixed list of names (re-resolved on every
 * call), or the members of a security group or an instance pool, or the instances with labels.
 *
 * <p>Concurrency contract: may block (DNS, remote API); called only from the peer-refresh thread.
 */
public interface PeerSource {

    /** The peers now; the addresses may include the node's own, which the caller drops. */
    PeerList peers() throws CloudException;

    /** Whether this node itself belongs to the group it takes its peers from. */
    enum Membership {
        /** The node is a member: it takes part in the election. */
        MEMBER,
        /** The node is not (or no longer) a member: it must not take part. */
        NOT_MEMBER,
        /** The peers are a plain list: membership does not apply. */
        NOT_APPLICABLE
    }

    /** Peers' addresses, and whether the node is one of the group. */
    record PeerList(Set<InetAddress> addresses, Membership membership) {

        public PeerList {
            addresses = Set.copyOf(addresses);
        }

        /**
         * The public IPv4 addresses of a group's members (those without one cannot take part), and
         * whether {@code self} is one of them.
         */
        public static PeerList ofMembers(Collection<Instance> members, UUID self) {
            LinkedHashSet<InetAddress> peers = new LinkedHashSet<>();
            boolean member = false;
            for (Instance instance : members) {
                instance.publicIp().ifPresent(peers::add);
                member |= instance.id().equals(self);
            }
            return new PeerList(peers, member ? Membership.MEMBER : Membership.NOT_MEMBER);
        }
    }
}

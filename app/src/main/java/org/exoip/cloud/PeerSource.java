package org.exoip.cloud;

import java.net.InetAddress;
import java.util.Set;

/**
 * Where the watchdog learns its peers' addresses: a fixed list of names (re-resolved on every
 * call) or the members of a security group.
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
    }
}

package org.exoip.cloud;

import java.net.InetAddress;
import java.util.Set;

/**
 * Where the watchdog learns its peers' addresses: a fixed list of names (re-resolved on every
 * call) or the members of a security group.
 *
 * <p>Concurrency contract: may block (DNS, remote API); called only from the cloud worker thread.
 */
public interface PeerSource {

    /** The peers' addresses now; may include the node's own address, which the caller drops. */
    Set<InetAddress> peers() throws CloudException;
}

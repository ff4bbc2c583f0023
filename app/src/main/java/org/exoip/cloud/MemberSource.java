package org.exoip.cloud;

import java.util.List;
import org.exoip.exoscale.Instance;

/**
 * A peer source whose peers are cloud instances (a security group, an instance pool, labelled
 * instances): besides the peers' public addresses, it tells the members themselves, so that a
 * decorator such as {@link NetworkPeers} can address them otherwise.
 *
 * <p>Concurrency contract: as {@link PeerSource}: may block; called only from the peer-refresh
 * thread (and once at start, before the engine runs).
 */
public interface MemberSource extends PeerSource {

    /** The running members now, this node among them when it is one. */
    List<Instance> members() throws CloudException;
}

package org.exoip.cloud;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;
import org.exoip.exoscale.InstancePool;

/**
 * Peers are the running members of an Exoscale instance pool, found by its name or id; each
 * peer's address is its public IPv4 address. Two requests a refresh: the pool list (so that a
 * pool made again under the same name is followed) and its members. A pool that attaches Elastic
 * IPs to every member itself fights the watchdog: said once. A node that is not a member is told
 * so, as with a security group. Blocks on the API; called only from the peer-refresh thread.
 */
public final class PoolPeers implements MemberSource {

    private final ExoscaleClient client;
    private final String pool;
    private final UUID self;
    private final Consumer<String> warn;
    /** Whether the pool's own Elastic IPs were warned about already. */
    private volatile boolean warned;

    /**
     * @param pool the pool's name or id
     * @param self this node's instance id, to tell whether it is a member
     * @param warn where the one warning about the pool's own Elastic IPs goes
     */
    public PoolPeers(ExoscaleClient client, String pool, UUID self, Consumer<String> warn) {
        this.client = Objects.requireNonNull(client, "client");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.self = Objects.requireNonNull(self, "self");
        this.warn = Objects.requireNonNull(warn, "warn");
        if (pool.isBlank()) {
            throw new IllegalArgumentException("instance pool name is empty");
        }
    }

    @Override
    public PeerList peers() throws CloudException {
        return PeerList.ofMembers(members(), self);
    }

    @Override
    public List<Instance> members() throws CloudException {
        try {
            InstancePool found = client.instancePool(pool);
            if (!found.elasticIps().isEmpty() && !warned) {
                warned = true;
                warn.accept("Instance pool " + found.describe() + " has Elastic IPs of its own " + found.elasticIps()
                        + ": the pool attaches them to every member, which fights this watchdog (it keeps its "
                        + "Elastic IP on one member); take them off the pool");
            }
            return client.poolMembers(found.id());
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    @Override
    public String toString() {
        return "PoolPeers[" + pool + "]";
    }
}

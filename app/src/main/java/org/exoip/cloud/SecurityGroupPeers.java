package org.exoip.cloud;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;

/**
 * Peers are the members of an Exoscale security group, found by its name; each peer's address is
 * its public IPv4 address. Members without one (private instances) cannot take part and are left
 * out. A node that is not itself a member is told so, and must not take part: it would otherwise
 * fight the members, who ignore its adverts. Blocks on the API; called only from the peer-refresh
 * thread.
 */
public final class SecurityGroupPeers implements MemberSource {

    private final ExoscaleClient client;
    private final String groupName;
    private final UUID self;

    /** @param self this node's instance id, to tell whether it is a member */
    public SecurityGroupPeers(ExoscaleClient client, String groupName, UUID self) {
        this.client = Objects.requireNonNull(client, "client");
        this.self = Objects.requireNonNull(self, "self");
        this.groupName = Objects.requireNonNull(groupName, "groupName");
        if (groupName.isBlank()) {
            throw new IllegalArgumentException("security group name is empty");
        }
    }

    @Override
    public PeerList peers() throws CloudException {
        return PeerList.ofMembers(members(), self);
    }

    @Override
    public List<Instance> members() throws CloudException {
        try {
            return client.securityGroupMembers(groupName);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    @Override
    public String toString() {
        return "SecurityGroupPeers[" + groupName + "]";
    }
}

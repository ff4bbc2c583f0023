package org.exoip.cloud;

import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;

/**
 * Peers are the members of an Exoscale security group, found by its name; each peer's address is
 * its public IPv4 address. Members without one (private instances) cannot take part and are left
 * out. Blocks on the API; called only from the cloud worker thread.
 */
public final class SecurityGroupPeers implements PeerSource {

    private final ExoscaleClient client;
    private final String groupName;

    public SecurityGroupPeers(ExoscaleClient client, String groupName) {
        this.client = Objects.requireNonNull(client, "client");
        this.groupName = Objects.requireNonNull(groupName, "groupName");
        if (groupName.isBlank()) {
            throw new IllegalArgumentException("security group name is empty");
        }
    }

    @Override
    public Set<InetAddress> peers() throws CloudException {
        try {
            Set<InetAddress> peers = new LinkedHashSet<>();
            for (Instance member : client.securityGroupMembers(groupName)) {
                member.publicIp().ifPresent(peers::add);
            }
            return peers;
        } catch (ExoscaleException e) {
            throw new CloudException(e.getMessage(), e.retryable(), e);
        }
    }

    @Override
    public String toString() {
        return "SecurityGroupPeers[" + groupName + "]";
    }
}

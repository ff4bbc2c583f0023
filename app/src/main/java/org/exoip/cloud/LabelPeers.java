package org.exoip.cloud;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;

/**
 * Peers are the running instances that carry every one of some labels; each peer's address is
 * its public IPv4 address. One request a refresh. A node without the labels is told so, as with a
 * security group. Blocks on the API; called only from the peer-refresh thread.
 */
public final class LabelPeers implements MemberSource {

    private final ExoscaleClient client;
    private final Map<String, String> labels;
    private final UUID self;

    /** @param labels key to value, in the order given; at least one */
    public LabelPeers(ExoscaleClient client, Map<String, String> labels, UUID self) {
        this.client = Objects.requireNonNull(client, "client");
        this.labels = new LinkedHashMap<>(labels);
        this.self = Objects.requireNonNull(self, "self");
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no labels");
        }
    }

    @Override
    public PeerList peers() throws CloudException {
        return PeerList.ofMembers(members(), self);
    }

    @Override
    public List<Instance> members() throws CloudException {
        try {
            return client.labelled(labels);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    @Override
    public String toString() {
        return "LabelPeers" + labels;
    }
}

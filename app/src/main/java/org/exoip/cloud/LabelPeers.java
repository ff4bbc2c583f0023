package org.exoip.cloud;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;

/**
 * Peers are the running instances that carry every one of some labels; each peer's address is
 * its public IPv4 address. One request a refresh. A node without the labels is told so, as with a
 * security group. Blocks on the API; called only from the peer-refresh thread.
 */
public final class LabelPeers implements PeerSource {

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
        try {
            return PeerList.ofMembers(client.labelled(labels), self);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    @Override
    public String toString() {
        return "LabelPeers" + labels;
    }
}

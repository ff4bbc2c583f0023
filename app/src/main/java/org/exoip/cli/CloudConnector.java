package org.exoip.cli;

import java.net.Inet4Address;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ElasticIpProviders;
import org.exoip.cloud.PeerSource;

/**
 * Opens the cloud side of a run: finds out which instance this is and builds the Elastic IP port
 * and, with {@code -G}, {@code --peer-pool}, {@code --peer-label} or none of the peer options, the
 * peer source in the cloud. Production uses the Exoscale API; tests
 * plug in an in-memory cloud.
 */
@FunctionalInterface
public interface CloudConnector {

    /**
     * @param knownInstances this node and the peers it has heard from, for the provider's cross-checks
     */
    Cloud connect(Configuration config, Supplier<Set<UUID>> knownInstances) throws CloudException;

    /**
     * What {@link #connect} gives: this instance's id, the port of each Elastic IP (all through one
     * API client), peers from the cloud if asked, how to sign with a rotated API secret from now on
     * (SIGHUP), and, with {@code --peer-network}, this node's address on that private network (its
     * lease), where it listens by default.
     */
    record Cloud(UUID self, ElasticIpProviders providers, Optional<PeerSource> groupPeers,
            Consumer<Secret> useSecret, Optional<Inet4Address> networkAddress) {

        /** A cloud whose peers are not addressed on a private network. */
        Cloud(UUID self, ElasticIpProviders providers, Optional<PeerSource> groupPeers, Consumer<Secret> useSecret) {
            this(self, providers, groupPeers, useSecret, Optional.empty());
        }

        /** A cloud of one provider for every address, whose credentials never change (in-memory tests). */
        Cloud(UUID self, ElasticIpProvider provider, Optional<PeerSource> groupPeers) {
            this(self, address -> provider, groupPeers, secret -> { });
        }
    }
}

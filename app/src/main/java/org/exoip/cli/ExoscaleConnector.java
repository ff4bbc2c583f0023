package org.exoip.cli;

import java.net.Inet4Address;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ExoscaleElasticIpProvider;
import org.exoip.cloud.LabelPeers;
import org.exoip.cloud.MemberSource;
import org.exoip.cloud.NetworkPeers;
import org.exoip.cloud.PeerSource;
import org.exoip.cloud.PoolPeers;
import org.exoip.cloud.SecurityGroupPeers;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.InstancePool;
import org.exoip.exoscale.MetadataClient;
import org.exoip.exoscale.TrustedCertificates;

/**
 * The cloud side on Exoscale's API v2: the metadata server tells this instance's id and zone
 * (unless given), and a signed API client moves the Elastic IP.
 */
final class ExoscaleConnector implements CloudConnector {

    private static final Logger LOG = LogManager.getLogger(ExoscaleConnector.class);

    @Override
    public Cloud connect(Configuration config, Supplier<Set<UUID>> knownInstances) throws CloudException {
        try {
            // Every HttpClient, the metadata's too, loads the JDK's trust store: name it if it is broken.
            TrustedCertificates.jdkDefault();
        } catch (IllegalStateException e) {
            throw new CloudException(e.getMessage(), false);
        }
        // Only when asked: -i with -xe (or -xz) needs no metadata server, nor its HTTP client's thread.
        Supplier<MetadataClient> metadata = new Supplier<>() {
            private MetadataClient client;

            @Override
            public MetadataClient get() {
                if (client == null) {
                    client = MetadataClient.builder().base(config.metadataUrl()).build();
                }
                return client;
            }
        };
        try {
            UUID self = config.instanceId().isPresent() ? config.instanceId().get() : metadata.get().instanceId();
            String zone = config.endpoint().isPresent() ? config.zone().orElse("(from -xe)")
                    : config.zone().isPresent() ? config.zone().get() : metadata.get().availabilityZone();
            ExoscaleClient.Builder builder = ExoscaleClient.builder()
                    .endpoint(config.endpointFor(zone))
                    .apiKey(config.apiKey())
                    .apiSecret(config.apiSecret().reveal())
                    .requestTimeout(min(config.apiTimeout(), Duration.ofSeconds(15)))
                    .idleTimeout(config.apiIdleTimeout());
            if (config.apiCaFile().isPresent()) {
                builder.trust(trust(config.apiCaFile().get()));
            }
            ExoscaleClient client = builder.build();
            LOG.info("Instance {}, zone {}, API {}", self, zone, client.endpoint());
            Optional<MemberSource> members = peerSource(config, client, self);
            Optional<PeerSource> group = members.map(PeerSource.class::cast);
            // ---- adverts over a private network: the members as chosen above, addressed by their leases
            Optional<Inet4Address> networkAddress = Optional.empty();
            if (config.mode() == Mode.WATCH && config.peerNetwork().isPresent() && members.isPresent()) {
                NetworkPeers network = new NetworkPeers(client, config.peerNetwork().get(), members.get(), self,
                        LOG::warn);
                networkAddress = Optional.of(network.ownAddress());
                LOG.info("Adverts over private network \"{}\": this instance's lease there is {}, and each peer is "
                        + "addressed by its own lease", config.peerNetwork().get(),
                        networkAddress.get().getHostAddress());
                group = Optional.of(network);
            }
            // ---- end of adverts over a private network
            // One client for every address: one connection pool, one signer, one lookup of the Elastic IPs.
            return new Cloud(self, address -> new ExoscaleElasticIpProvider(client, address, knownInstances), group,
                    secret -> client.useSecret(secret.reveal()), networkAddress);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    /**
     * The peers from the cloud: -G, --peer-pool or --peer-label; with none of these nor -p, in -W,
     * the instance pool this instance belongs to (its manager), or an error naming the options.
     */
    private static Optional<MemberSource> peerSource(Configuration config, ExoscaleClient client, UUID self)
            throws ExoscaleException, CloudException {
        if (config.peerGroup().isPresent()) {
            return Optional.of(new SecurityGroupPeers(client, config.peerGroup().get(), self));
        }
        if (config.peerPool().isPresent()) {
            return Optional.of(new PoolPeers(client, config.peerPool().get(), self, LOG::warn));
        }
        if (!config.peerLabels().isEmpty()) {
            return Optional.of(new LabelPeers(client, config.peerLabels(), self));
        }
        if (config.mode() != Mode.WATCH || !config.peers().isEmpty()) {
            return Optional.empty();
        }
        Optional<InstancePool> own = client.poolOf(self);
        if (own.isEmpty()) {
            throw new CloudException("-W needs peers, and this instance (" + self + ") belongs to no instance pool: "
                    + "give -p PEER[,PEER...] (IF_EXOSCALE_PEERS), -G GROUP (IF_EXOSCALE_PEER_GROUP), --peer-pool "
                    + "NAME|ID (IF_EXOSCALE_PEER_POOL) or --peer-label KEY=VALUE (IF_EXOSCALE_PEER_LABELS)", false);
        }
        LOG.info("No peer option: the peers are the members of instance pool {}, which this instance belongs to",
                own.get().describe());
        return Optional.of(new PoolPeers(client, own.get().id().toString(), self, LOG::warn));
    }

    /** The CAs of {@code --api-ca-file}; checked with the options already, so a failure here is the file changing. */
    private static javax.net.ssl.SSLContext trust(java.nio.file.Path file) throws CloudException {
        try {
            return TrustedCertificates.sslContext(file);
        } catch (IllegalArgumentException e) {
            throw new CloudException("--api-ca-file " + e.getMessage(), false);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

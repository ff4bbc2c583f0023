package org.exoip.cli;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.exoip.watchdog.KeptAddresses;
import org.exoip.logging.Secrets;

/**
 * A checked configuration of one run, built from flags and environment variables. Its
 * {@code toString} masks the secret.
 *
 * @param elasticIps the Elastic IPs kept (each with an election of its own in -W; each attached or detached
 *                   by -A and -D), with --spread and --no-preempt
 * @param endpoint the API base URL including {@code /v2}; empty to derive it from the zone
 * @param zone     the zone; empty to read it from the metadata server
 * @param instanceId this instance's id; empty to read it from the metadata server
 * @param peerPool   {@code --peer-pool}: the instance pool (name or id) whose members are the peers
 * @param peerLabels {@code --peer-label}: the labels the peers carry, in the order given; empty for none.
 *                   With none of -p, -G, --peer-pool and --peer-label, -W takes this instance's own pool
 * @param peerNetwork {@code --peer-network}: the managed private network (name or id) on whose leases the peers
 *                    are addressed and this node listens; empty for their public addresses
 * @param apiCaFile  PEM file of the CAs trusted for the API instead of the JDK's; empty for the JDK's
 * @param apiIdleTimeout an API connection idle longer is not used again
 * @param apiKeepWarm how often -W proves the way to the API; zero for never
 */
public record Configuration(
        Mode mode,
        KeptAddresses elasticIps,
        String apiKey,
        Secret apiSecret,
        Optional<URI> endpoint,
        Optional<String> zone,
        URI metadataUrl,
        Optional<UUID> instanceId,
        int priority,
        InetSocketAddress listen,
        List<String> peers,
        Optional<String> peerGroup,
        Optional<String> peerPool,
        Map<String, String> peerLabels,
        Optional<String> peerNetwork,
        int deadRatio,
        int advertCopies,
        Duration interval,
        Duration reconcileInterval,
        Duration peerRefresh,
        Duration apiTimeout,
        boolean verbose,
        boolean stdout,
        Path syslogSocket,
        Optional<Path> apiCaFile,
        Duration apiIdleTimeout,
        Duration apiKeepWarm) {

    /** The default API base URL; {@code {zone}} is replaced by the zone. */
    public static final String DEFAULT_ENDPOINT = "https://api-{zone}.exoscale.com/v2";

    /** The first Elastic IP given, the only one of most runs. */
    public Inet4Address elasticIp() {
        return elasticIps.first();
    }

    /** The API base URL for a zone, from {@code -xe} or the default pattern. */
    public URI endpointFor(String zoneName) {
        return endpoint.orElseGet(() -> URI.create(DEFAULT_ENDPOINT.replace("{zone}", zoneName)));
    }

    /** Where the peers come from, for {@link #describe}. */
    private String describePeers() {
        if (peerGroup.isPresent()) {
            return "security group " + peerGroup.get();
        }
        if (peerPool.isPresent()) {
            return "instance pool " + peerPool.get();
        }
        if (!peerLabels.isEmpty()) {
            return "instances labelled " + String.join(",", peerLabels.entrySet().stream()
                    .map(l -> l.getKey() + "=" + l.getValue()).toList());
        }
        return peers.isEmpty() ? "this instance's instance pool (its manager, from the API)" : String.join(", ", peers);
    }

    /** A summary for {@code -n} and {@code -v}: every setting, the secret masked. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append("mode:               ").append(mode).append('\n');
        out.append(elasticIps.addresses().size() == 1 ? "elastic IP:         " : "elastic IPs:        ")
                .append(String.join(", ", elasticIps.addresses().stream().map(a -> a.address().getHostAddress()
                        + a.priority().stream().mapToObj(p -> " (priority " + p + ")").findFirst().orElse(""))
                        .toList())).append('\n');
        out.append("API key:            ").append(Secrets.redact(apiKey)).append('\n');
        out.append("API secret:         ").append(apiSecret).append('\n');
        out.append("API endpoint:       ").append(endpoint.map(URI::toString).orElse(DEFAULT_ENDPOINT)).append('\n');
        apiCaFile.ifPresent(f -> out.append("API CA file:        ").append(f).append('\n'));
        out.append("zone:               ").append(zone.orElse("(from metadata)")).append('\n');
        out.append("metadata URL:       ").append(metadataUrl).append('\n');
        out.append("instance id:        ").append(instanceId.map(UUID::toString).orElse("(from metadata)")).append('\n');
        if (mode == Mode.WATCH) {
            out.append("priority:           ").append(priority).append('\n');
            if (elasticIps.addresses().size() > 1 || elasticIps.spread() || elasticIps.noPreempt()) {
                out.append("placement:          ").append(elasticIps.spread() ? "spread (rendezvous hashing)"
                        : "best node masters all").append(elasticIps.noPreempt() ? ", no preempt" : ", preempt")
                        .append('\n');
            }
            out.append("listen:             ").append(listen.getHostString()).append(':').append(listen.getPort()).append('\n');
            out.append("peers:              ").append(describePeers()).append('\n');
            peerNetwork.ifPresent(n -> out.append("peer network:       ").append(n).append(" (the peers at their leases"
                    + (listen.getAddress().isAnyLocalAddress() ? ", this node listening on its own)\n" : ")\n")));
            out.append("interval:           ").append(interval.toMillis()).append(" ms\n");
            out.append("dead ratio:         ").append(deadRatio).append('\n');
            out.append("advert copies:      ").append(advertCopies).append(" (as master)\n");
            out.append("reconcile interval: ").append(reconcileInterval.toMillis()).append(" ms\n");
            out.append("peer refresh:       ").append(peerRefresh.toMillis()).append(" ms\n");
            out.append("API keep-warm:      ").append(apiKeepWarm.isZero() ? "off" : apiKeepWarm.toMillis() + " ms")
                    .append('\n');
        }
        out.append("API timeout:        ").append(apiTimeout.toMillis()).append(" ms\n");
        out.append("API idle timeout:   ").append(apiIdleTimeout.toMillis()).append(" ms\n");
        out.append("log:                ").append(stdout ? "standard output" : "syslog at " + syslogSocket).append('\n');
        return out.toString();
    }
}

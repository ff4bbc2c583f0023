package org.exoip.cli;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.exoip.logging.Secrets;

/**
 * A checked configuration of one run, built from flags and environment variables. Its
 * {@code toString} masks the secret.
 *
 * @param endpoint the API base URL including {@code /v2}; empty to derive it from the zone
 * @param zone     the zone; empty to read it from the metadata server
 * @param instanceId this instance's id; empty to read it from the metadata server
 * @param apiCaFile  PEM file of the CAs trusted for the API instead of the JDK's; empty for the JDK's
 * @param apiIdleTimeout an API connection idle longer is not used again
 * @param apiKeepWarm how often -W proves the way to the API; zero for never
 */
public record Configuration(
        Mode mode,
        Inet4Address elasticIp,
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

    /** The API base URL for a zone, from {@code -xe} or the default pattern. */
    public URI endpointFor(String zoneName) {
        return endpoint.orElseGet(() -> URI.create(DEFAULT_ENDPOINT.replace("{zone}", zoneName)));
    }

    /** A summary for {@code -n} and {@code -v}: every setting, the secret masked. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append("mode:               ").append(mode).append('\n');
        out.append("elastic IP:         ").append(elasticIp.getHostAddress()).append('\n');
        out.append("API key:            ").append(Secrets.redact(apiKey)).append('\n');
        out.append("API secret:         ").append(apiSecret).append('\n');
        out.append("API endpoint:       ").append(endpoint.map(URI::toString).orElse(DEFAULT_ENDPOINT)).append('\n');
        apiCaFile.ifPresent(f -> out.append("API CA file:        ").append(f).append('\n'));
        out.append("zone:               ").append(zone.orElse("(from metadata)")).append('\n');
        out.append("metadata URL:       ").append(metadataUrl).append('\n');
        out.append("instance id:        ").append(instanceId.map(UUID::toString).orElse("(from metadata)")).append('\n');
        if (mode == Mode.WATCH) {
            out.append("priority:           ").append(priority).append('\n');
            out.append("listen:             ").append(listen.getHostString()).append(':').append(listen.getPort()).append('\n');
            out.append("peers:              ").append(peerGroup.map(g -> "security group " + g)
                    .orElse(String.join(", ", peers))).append('\n');
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

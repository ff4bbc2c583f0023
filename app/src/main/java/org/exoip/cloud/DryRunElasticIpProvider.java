package org.exoip.cloud;

import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * {@code --dry-run}: reads the cloud for real, but logs the writes it would make (attach, detach)
 * instead of making them, so that a configuration can be tried safely on live instances. The
 * writes it pretends to have made are remembered and laid over what the cloud says, so that the
 * watchdog sees its own decision carried out and does not repeat it on every pass.
 *
 * <p>Thread-safe.
 */
public final class DryRunElasticIpProvider implements ElasticIpProvider {

    private static final Logger LOG = LogManager.getLogger(DryRunElasticIpProvider.class);

    private final ElasticIpProvider delegate;
    private final Set<UUID> attached = new HashSet<>();
    private final Set<UUID> detached = new HashSet<>();
    /** The claim it would have written last; null before any. */
    private Claim claim;

    public DryRunElasticIpProvider(ElasticIpProvider delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public void probe() throws CloudException {
        delegate.probe(); // a read: the dry run proves the real way to the cloud
    }

    @Override
    public Set<UUID> holders() throws CloudException {
        Set<UUID> real = delegate.holders();
        synchronized (this) {
            Set<UUID> seen = new HashSet<>(real);
            seen.addAll(attached);
            seen.removeAll(detached);
            return Set.copyOf(seen);
        }
    }

    @Override
    public synchronized Optional<Claim> readClaim() throws CloudException {
        return claim != null ? Optional.of(claim) : delegate.readClaim();
    }

    /** Logged only; later reads of this run see it, so that the dry run's decisions follow what it would write. */
    @Override
    public synchronized void writeClaim(Claim written) {
        claim = written;
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "api_call")
                .put("operation", "write_claim").put("outcome", "dry_run")) {
            LOG.info("Dry run: would write the claim {} on the Elastic IP (no API write made)", written.encode());
        }
    }

    @Override
    public synchronized void attach(UUID instance) {
        detached.remove(instance);
        attached.add(instance);
        would("attach", instance, "attach the Elastic IP to");
    }

    @Override
    public synchronized void detach(UUID instance) {
        attached.remove(instance);
        detached.add(instance);
        would("detach", instance, "detach the Elastic IP from");
    }

    private static void would(String operation, UUID instance, String what) {
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "api_call")
                .put("operation", operation)
                .put("instance", instance.toString())
                .put("outcome", "dry_run")) {
            LOG.info("Dry run: would {} {} (no API write made)", what, instance);
        }
    }
}

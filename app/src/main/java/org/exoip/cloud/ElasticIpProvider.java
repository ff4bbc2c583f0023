package org.exoip.cloud;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The cloud side of exoip: who holds the Elastic IP, and moving it.
 *
 * <p>Concurrency contract: implementations may block (they talk to a remote API) and are only
 * ever called from exoip's cloud worker thread, never from the network event loop. Each call
 * either succeeds, with the cloud in the asked state when it returns, or throws
 * {@link CloudException}; the caller retries. Attach and detach must be idempotent.
 */
public interface ElasticIpProvider {

    /** The instances the Elastic IP is attached to right now (empty when it is attached to none). */
    Set<UUID> holders() throws CloudException;

    /** Attaches the Elastic IP to {@code instance}; returns once the cloud reports it done. */
    void attach(UUID instance) throws CloudException;

    /** Detaches the Elastic IP from {@code instance}; returns once the cloud reports it done. */
    void detach(UUID instance) throws CloudException;

    /**
     * Proves the way to the cloud with one cheap read, so that a backup knows before it is needed
     * whether it could take over, and so that the connection a failover writes on is warm; throws
     * as the other calls do when it could not. By default, {@link #holders()}.
     */
    default void probe() throws CloudException {
        holders();
    }

    /** The ownership claim written on the Elastic IP ({@link Claim}), if any. None by default. */
    default Optional<Claim> readClaim() throws CloudException {
        return Optional.empty();
    }

    /**
     * Writes {@code claim} as the Elastic IP's claim, keeping its other labels; returns once the
     * cloud reports it done. Does nothing by default: a provider without claims (tests) leaves the
     * ownership rules to the adverts.
     */
    default void writeClaim(Claim claim) throws CloudException {
    }

    /**
     * Gives up the {@link #holders()} call in flight, if there is one and the implementation can:
     * that call then throws {@link AbandonedCallException} at once. The one method that may be
     * called from any thread. Writes in flight are never abandoned. Does nothing by default.
     */
    default void abandonRead() {
    }
}

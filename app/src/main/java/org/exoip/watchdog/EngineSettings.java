package org.exoip.watchdog;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Everything a {@link WatchdogEngine} needs besides its cloud and its peers.
 *
 * @param node              the node's own settings
 * @param bind              the UDP address to listen on; its port is also the peers' port
 * @param reconcileInterval how often the decision is re-asserted against the cloud once it matches
 * @param peerRefresh       how often the peer list is re-read (names re-resolved, group re-listed)
 * @param apiTimeout        the longest one cloud call may take before it counts as failed
 * @param nanoClock         monotonic clock for liveness
 * @param wallClock         wall clock, only for what people read
 */
public record EngineSettings(NodeSettings node, InetSocketAddress bind, Duration reconcileInterval,
        Duration peerRefresh, Duration apiTimeout, LongSupplier nanoClock, Clock wallClock) {

    public EngineSettings {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(bind, "bind");
        positive(reconcileInterval, "reconcile interval");
        positive(peerRefresh, "peer refresh interval");
        positive(apiTimeout, "API timeout");
        Objects.requireNonNull(nanoClock, "nanoClock");
        Objects.requireNonNull(wallClock, "wallClock");
    }

    /** Settings with the defaults for everything but the node and the address. */
    public static EngineSettings of(NodeSettings node, InetSocketAddress bind) {
        return new EngineSettings(node, bind, Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30),
                System::nanoTime, Clock.systemUTC());
    }

    public EngineSettings withReconcileInterval(Duration interval) {
        return new EngineSettings(node, bind, interval, peerRefresh, apiTimeout, nanoClock, wallClock);
    }

    public EngineSettings withPeerRefresh(Duration refresh) {
        return new EngineSettings(node, bind, reconcileInterval, refresh, apiTimeout, nanoClock, wallClock);
    }

    public EngineSettings withApiTimeout(Duration timeout) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, timeout, nanoClock, wallClock);
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }
}

package org.exoip.watchdog;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.exoip.protocol.AdvertKeys;

/**
 * Everything a {@link WatchdogEngine} needs besides its cloud and its peers.
 *
 * @param node              the node's own settings
 * @param bind              the UDP address to listen on; its port is also the peers' port
 * @param reconcileInterval how often the decision is re-asserted against the cloud once it matches
 * @param peerRefresh       how often the peer list is re-read (names re-resolved, group re-listed)
 * @param apiTimeout        the longest one cloud call may take before it counts as failed
 * @param nanoClock         monotonic clock for liveness
 * @param wallClock         wall clock, only for what people read (and the first advert counter)
 * @param advertKeys        present: send and accept only authenticated adverts; empty: the original's plain ones
 * @param advertCopies      how many times a master (or a stopping master) sends each advert, a few
 *                          milliseconds apart, so that a lost packet does not make its peers think it dead
 * @param crashProbe        whether a peer whose port is refused (ICMP port unreachable) twice in a row, with no
 *                          advert between, counts as dead at once instead of after the dead time
 * @param keepWarm          how often the way to the cloud is proven by a cheap read ({@link CloudProbe});
 *                          zero for never
 * @param kept              the Elastic IPs kept, each with an election of its own; the first is
 *                          {@code node}'s ({@link #withElasticIps})
 */
public record EngineSettings(NodeSettings node, InetSocketAddress bind, Duration reconcileInterval,
        Duration peerRefresh, Duration apiTimeout, LongSupplier nanoClock, Clock wallClock,
        Optional<AdvertKeys> advertKeys, int advertCopies, boolean crashProbe, Duration keepWarm,
        KeptAddresses kept) {

    /** The most copies of an advert a master may send. */
    public static final int MAX_ADVERT_COPIES = 5;

    /** How often the way to the cloud is proven unless told otherwise: below the API client's 20 s idle timeout. */
    public static final Duration DEFAULT_KEEP_WARM = Duration.ofSeconds(15);

    /** Copies of each advert a master sends unless told otherwise. */
    public static final int DEFAULT_ADVERT_COPIES = 2;

    public EngineSettings {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(bind, "bind");
        positive(reconcileInterval, "reconcile interval");
        positive(peerRefresh, "peer refresh interval");
        positive(apiTimeout, "API timeout");
        Objects.requireNonNull(nanoClock, "nanoClock");
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(advertKeys, "advertKeys");
        Objects.requireNonNull(keepWarm, "keepWarm");
        Objects.requireNonNull(kept, "kept");
        if (!kept.first().equals(node.elasticIp())) {
            throw new IllegalArgumentException("the first Elastic IP kept, " + kept.first().getHostAddress()
                    + ", is not the node's, " + node.elasticIp().getHostAddress());
        }
        if (keepWarm.isNegative()) {
            throw new IllegalArgumentException("keep-warm period must not be negative, got " + keepWarm);
        }
        if (advertCopies < 1 || advertCopies > MAX_ADVERT_COPIES) {
            throw new IllegalArgumentException("advert copies must be 1.." + MAX_ADVERT_COPIES + ", got " + advertCopies);
        }
    }

    /** Settings with the defaults for everything but the node and the address; no keep-warm probes (the command sets them). */
    public static EngineSettings of(NodeSettings node, InetSocketAddress bind) {
        return new EngineSettings(node, bind, Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30),
                System::nanoTime, Clock.systemUTC(), Optional.empty(), DEFAULT_ADVERT_COPIES, true, Duration.ZERO,
                KeptAddresses.of(node.elasticIp()));
    }

    public EngineSettings withReconcileInterval(Duration interval) {
        return new EngineSettings(node, bind, interval, peerRefresh, apiTimeout, nanoClock, wallClock,
                advertKeys, advertCopies, crashProbe, keepWarm, kept);
    }

    public EngineSettings withPeerRefresh(Duration refresh) {
        return new EngineSettings(node, bind, reconcileInterval, refresh, apiTimeout, nanoClock, wallClock,
                advertKeys, advertCopies, crashProbe, keepWarm, kept);
    }

    public EngineSettings withApiTimeout(Duration timeout) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, timeout, nanoClock, wallClock,
                advertKeys, advertCopies, crashProbe, keepWarm, kept);
    }

    /** Authenticated adverts with these keys; empty for the original's plain adverts. */
    public EngineSettings withAdvertKeys(Optional<AdvertKeys> keys) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, apiTimeout, nanoClock,
                wallClock, keys, advertCopies, crashProbe, keepWarm, kept);
    }

    /** Each advert of a master sent {@code copies} times (1 sends it once, as the original did). */
    public EngineSettings withAdvertCopies(int copies) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, apiTimeout, nanoClock,
                wallClock, advertKeys, copies, crashProbe, keepWarm, kept);
    }

    /** Whether a process crash is seen from two refused adverts (see {@link #crashProbe()}). */
    public EngineSettings withCrashProbe(boolean probe) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, apiTimeout, nanoClock,
                wallClock, advertKeys, advertCopies, probe, keepWarm, kept);
    }

    /** The cloud probed every {@code period}; zero for never. */
    public EngineSettings withKeepWarm(Duration period) {
        return new EngineSettings(node, bind, reconcileInterval, peerRefresh, apiTimeout, nanoClock,
                wallClock, advertKeys, advertCopies, crashProbe, period, kept);
    }

    /**
     * Keeps these Elastic IPs, each with an election of its own; the node's address becomes the
     * first of them.
     */
    public EngineSettings withElasticIps(KeptAddresses addresses) {
        return new EngineSettings(node.forAddress(addresses.first(), node.priority()), bind, reconcileInterval, peerRefresh, apiTimeout, nanoClock,
                wallClock, advertKeys, advertCopies, crashProbe, keepWarm, addresses);
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d);
        }
    }
}

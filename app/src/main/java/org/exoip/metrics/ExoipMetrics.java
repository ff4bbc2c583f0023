package org.exoip.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.exoip.cloud.ApiCallListener;
import org.exoip.protocol.RejectReason;
import org.exoip.watchdog.LivenessTracker;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.Watchdog;
import org.exoip.watchdog.WatchdogEngine;

/**
 * The Prometheus series of one exoip process, in a registry of its own. Counters of the engine
 * (adverts, rejections) and its state are read when scraped; API calls and transitions are
 * recorded as they happen, through {@link ApiCallListener} and the engine's transition listener.
 *
 * <p>Thread-safe: recording may happen on any thread; scrapes run on the HTTP server's threads.
 */
public final class ExoipMetrics implements ApiCallListener {

    /** Buckets for API call durations: an attach takes from tens of milliseconds to seconds. */
    static final double[] API_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final UUID self;
    private final LongSupplier nanoClock;
    private final Counter apiRequests;
    private final Histogram apiDuration;
    private final Counter transitions;
    private final Gauge lastFailover;
    private final Gauge lastFailoverTimestamp;
    /** When this node last decided to become master and has not held the address since; 0 when none. */
    private volatile long masterDecidedNanos;

    /**
     * @param self this instance, whose attach ends a failover
     * @param jvm whether to add the JVM's own series (memory, GC, threads, …)
     */
    public ExoipMetrics(UUID self, boolean jvm) {
        this(self, jvm, System::nanoTime);
    }

    ExoipMetrics(UUID self, boolean jvm, LongSupplier nanoClock) {
        this.self = Objects.requireNonNull(self, "self");
        this.nanoClock = nanoClock;
        apiRequests = Counter.builder().name("exoip_api_requests_total")
                .help("Cloud API calls made, by operation and outcome")
                .labelNames("operation", "outcome").register(registry);
        apiDuration = Histogram.builder().name("exoip_api_request_duration_seconds")
                .help("Duration of cloud API calls, including operation polling, by operation")
                .labelNames("operation").classicOnly().classicUpperBounds(API_BUCKETS).register(registry);
        for (String op : List.of(LIST, ATTACH, DETACH, LIST_PEERS, PROBE)) {
            for (Outcome outcome : Outcome.values()) {
                apiRequests.labelValues(op, outcome.label());
            }
        }
        transitions = Counter.builder().name("exoip_transitions_total")
                .help("Changes of this node's state, by the state entered")
                .labelNames("to").register(registry);
        for (Role role : Role.values()) {
            transitions.labelValues(label(role));
        }
        lastFailover = Gauge.builder().name("exoip_last_failover_seconds")
                .help("How long this node's last take-over lasted: from its decision to become master to the "
                        + "cloud confirming the Elastic IP attached to it (NaN before the first)")
                .register(registry);
        lastFailover.set(Double.NaN);
        lastFailoverTimestamp = Gauge.builder().name("exoip_last_failover_timestamp_seconds")
                .help("When this node's last take-over completed, seconds since the epoch (NaN before the first)")
                .register(registry);
        lastFailoverTimestamp.set(Double.NaN);
        if (jvm) {
            JvmMetrics.builder().register(registry);
        }
    }

    /** Reads the engine's state and counters on every scrape, and counts its transitions. */
    public void observe(WatchdogEngine engine) {
        GaugeWithCallback.builder().name("exoip_state")
                .help("1 for the state this node is in, 0 for the others")
                .labelNames("state")
                .callback(cb -> {
                    Role now = engine.role();
                    for (Role role : Role.values()) {
                        cb.call(role == now ? 1 : 0, label(role));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("exoip_takeover_ready")
                .help("1 while the keep-warm probe proves that this node could take over (the API answers, the key "
                        + "is accepted, the Elastic IP exists), 0 while it does not; absent with --api-keep-warm 0")
                .callback(cb -> engine.readiness().ifPresent(r -> cb.call(r.ready() ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("exoip_priority")
                .help("The priority this node advertises now (0-255, lowest wins)")
                .callback(cb -> cb.call(engine.priority())).register(registry);
        GaugeWithCallback.builder().name("exoip_peers")
                .help("Peers by liveness")
                .labelNames("status")
                .callback(cb -> {
                    List<LivenessTracker.PeerStatus> peers = peers(engine);
                    long alive = peers.stream().filter(LivenessTracker.PeerStatus::alive).count();
                    cb.call(alive, "alive");
                    cb.call(peers.size() - alive, "dead");
                }).register(registry);
        CounterWithCallback.builder().name("exoip_adverts_sent_total")
                .help("Adverts sent to peers")
                .callback(cb -> cb.call(engine.advertsSent())).register(registry);
        CounterWithCallback.builder().name("exoip_adverts_received_total")
                .help("Valid adverts received from peers")
                .callback(cb -> cb.call(engine.advertsReceived())).register(registry);
        CounterWithCallback.builder().name("exoip_adverts_rejected_total")
                .help("Datagrams dropped, by reason")
                .labelNames("reason")
                .callback(cb -> {
                    Map<RejectReason, Long> counts = engine.rejections().snapshot();
                    for (Map.Entry<RejectReason, Long> e : counts.entrySet()) {
                        cb.call(e.getValue(), e.getKey().label());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("exoip_cloud_refused")
                .help("1 while the cloud refuses this node's calls for good (401, 403: the API key or its role; 404: "
                        + "the Elastic IP or instance does not exist), by HTTP status, or certificate when this node "
                        + "refuses the API's TLS certificate; absent otherwise")
                .labelNames("status")
                .callback(cb -> engine.cloudRefusal().ifPresent(r -> cb.call(1, r.kind())))
                .register(registry);
        engine.addTransitionListener(this::transition);
    }

    private static List<LivenessTracker.PeerStatus> peers(WatchdogEngine engine) {
        try {
            return engine.peerStatuses().get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            // A stopped or stalled event loop: report no peers rather than fail the whole scrape.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return List.of();
        }
    }

    /** Counts a change of decision (event loop; quick). */
    void transition(Watchdog.Transition transition) {
        if (!transition.roleChanged()) {
            return;
        }
        Role to = transition.to().role();
        transitions.labelValues(label(to)).inc();
        masterDecidedNanos = to == Role.MASTER ? Math.max(1, nanoClock.getAsLong()) : 0;
    }

    @Override
    public void called(String operation, UUID instance, Outcome outcome, long nanos) {
        apiRequests.labelValues(operation, outcome.label()).inc();
        apiDuration.labelValues(operation).observe(nanos / 1e9);
        long decided = masterDecidedNanos;
        if (decided != 0 && outcome == Outcome.SUCCESS && ATTACH.equals(operation) && self.equals(instance)) {
            masterDecidedNanos = 0;
            lastFailover.set((nanoClock.getAsLong() - decided) / 1e9);
            lastFailoverTimestamp.set(System.currentTimeMillis() / 1e3);
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** A state or role as a label value: lower case. */
    static String label(Role role) {
        return role.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether the engine is running, advertising and heard by the cloud: not stopped, not refused by
     * the cloud ({@link WatchdogEngine#cloudRefusal()}), and a round of adverts went out within three
     * intervals (plus a second of slack for pauses). Empty when healthy, else why not.
     */
    /**
     * The answer of {@code /readyz}: healthy, and (unless the probe is off) the last keep-warm
     * probe succeeded, so this node could take over, or as master could hand over; empty while
     * ready, else why not.
     */
    public static Optional<String> readiness(WatchdogEngine engine, Duration interval) {
        Optional<String> unhealthy = health(engine, interval);
        if (unhealthy.isPresent()) {
            return unhealthy;
        }
        return engine.describeUnreadiness().map(r -> "this node could not take over: " + r);
    }

    public static Optional<String> health(WatchdogEngine engine, Duration interval) {
        if (engine.terminated().isDone()) {
            return Optional.of("the watchdog has stopped");
        }
        Optional<String> refused = engine.describeCloudRefusal().map(r -> "the cloud refuses this node's calls: " + r);
        if (refused.isPresent()) {
            return refused;
        }
        Optional<Duration> since = engine.sinceLastAdvert();
        if (since.isEmpty()) {
            return Optional.of("no advert sent yet");
        }
        Duration limit = interval.multipliedBy(3).plusSeconds(1);
        if (since.get().compareTo(limit) > 0) {
            return Optional.of("last advert sent " + since.get().toMillis() + " ms ago (limit " + limit.toMillis()
                    + " ms)");
        }
        return Optional.empty();
    }
}

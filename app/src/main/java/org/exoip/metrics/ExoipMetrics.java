package org.exoip.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>The series about one Elastic IP (state, priority, transitions, failover time, refusals) carry
 * an {@code eip} label, one value per address the node keeps.
 *
 * <p>Thread-safe: recording may happen on any thread; scrapes run on the HTTP server's threads.
 */
public final class ExoipMetrics implements ApiCallListener {

    /** Buckets for API call durations: an attach takes from tens of milliseconds to seconds. */
    static final double[] API_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final UUID self;
    /** The addresses kept, as label values; the first stands for a call or transition that names none. */
    private final List<String> elasticIps;
    private final LongSupplier nanoClock;
    private final Counter apiRequests;
    private final Histogram apiDuration;
    private final Counter transitions;
    private final Gauge lastFailover;
    private final Gauge lastFailoverTimestamp;
    /**
     * Per address: when this node last decided to become its master and has not held it since;
     * absent when none.
     */
    private final Map<String, Long> masterDecidedNanos = new ConcurrentHashMap<>();

    /**
     * @param self this instance, whose attach ends a failover
     * @param elasticIps the addresses the node keeps, at least one
     * @param jvm whether to add the JVM's own series (memory, GC, threads, …)
     */
    public ExoipMetrics(UUID self, List<Inet4Address> elasticIps, boolean jvm) {
        this(self, elasticIps, jvm, System::nanoTime);
    }

    ExoipMetrics(UUID self, List<Inet4Address> elasticIps, boolean jvm, LongSupplier nanoClock) {
        this.self = Objects.requireNonNull(self, "self");
        this.elasticIps = elasticIps.stream().map(Inet4Address::getHostAddress).toList();
        if (this.elasticIps.isEmpty()) {
            throw new IllegalArgumentException("no Elastic IP");
        }
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
                .help("Changes of this node's state for an Elastic IP, by the state entered")
                .labelNames("eip", "to").register(registry);
        lastFailover = Gauge.builder().name("exoip_last_failover_seconds")
                .help("How long this node's last take-over of an Elastic IP lasted: from its decision to become "
                        + "master to the cloud confirming the address attached to it (NaN before the first)")
                .labelNames("eip").register(registry);
        lastFailoverTimestamp = Gauge.builder().name("exoip_last_failover_timestamp_seconds")
                .help("When this node's last take-over of an Elastic IP completed, seconds since the epoch (NaN "
                        + "before the first)")
                .labelNames("eip").register(registry);
        for (String eip : this.elasticIps) {
            for (Role role : Role.values()) {
                transitions.labelValues(eip, label(role));
            }
            lastFailover.labelValues(eip).set(Double.NaN);
            lastFailoverTimestamp.labelValues(eip).set(Double.NaN);
        }
        if (jvm) {
            JvmMetrics.builder().register(registry);
        }
    }

    /** Reads the engine's state and counters on every scrape, and counts its transitions. */
    public void observe(WatchdogEngine engine) {
        GaugeWithCallback.builder().name("exoip_state")
                .help("1 for the state this node is in for an Elastic IP, 0 for the others")
                .labelNames("eip", "state")
                .callback(cb -> {
                    for (WatchdogEngine.ElasticIpState eip : engine.elasticIps()) {
                        for (Role role : Role.values()) {
                            cb.call(role == eip.role() ? 1 : 0, eip.address().getHostAddress(), label(role));
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("exoip_takeover_ready")
                .help("1 while the keep-warm probe proves that this node could take over (the API answers, the key "
                        + "is accepted, the Elastic IP exists), 0 while it does not; absent with --api-keep-warm 0")
                .callback(cb -> engine.readiness().ifPresent(r -> cb.call(r.ready() ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("exoip_priority")
                .help("The priority this node advertises now for an Elastic IP (0-255, lowest wins)")
                .labelNames("eip")
                .callback(cb -> engine.elasticIps().forEach(eip -> cb.call(eip.priority(),
                        eip.address().getHostAddress()))).register(registry);
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
        CounterWithCallback.builder().name("exoip_stalls_total")
                .help("Stalls of this node's own (stopped, paused or starved past its interval); after each, peers"
                        + " get one interval to be heard before any is judged dead")
                .callback(cb -> cb.call(engine.stallCount())).register(registry);
        GaugeWithCallback.builder().name("exoip_last_stall_seconds")
                .help("Length of this node's last stall of its own; absent before any")
                .callback(cb -> engine.lastStall().ifPresent(s -> cb.call(s.length().toNanos() / 1e9)))
                .register(registry);
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
        GaugeWithCallback.builder().name("exoip_holder")
                .help("1 for each instance holding an Elastic IP as this node last read it; absent before the first read")
                .labelNames("eip", "instance")
                .callback(cb -> engine.elasticIps().forEach(eip -> eip.holders().ifPresent(holders -> holders.forEach(
                        holder -> cb.call(1, eip.address().getHostAddress(), holder.toString())))))
                .register(registry);
        GaugeWithCallback.builder().name("exoip_holders")
                .help("How many instances hold an Elastic IP as this node last read it (1 is right; 0 or 2 "
                        + "for longer than a failover is wrong); absent before the first read")
                .labelNames("eip")
                .callback(cb -> engine.elasticIps().forEach(eip -> eip.holders().ifPresent(holders -> cb.call(
                        holders.size(), eip.address().getHostAddress()))))
                .register(registry);
        GaugeWithCallback.builder().name("exoip_cloud_refused")
                .help("1 while the cloud refuses this node's calls for good (401, 403: the API key or its role; 404: "
                        + "the Elastic IP or instance does not exist), by HTTP status, or certificate when this node "
                        + "refuses the API's TLS certificate; absent otherwise")
                .labelNames("eip", "status")
                .callback(cb -> engine.elasticIps().forEach(eip -> eip.refusal().ifPresent(r -> cb.call(1,
                        eip.address().getHostAddress(), r.kind()))))
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
        String eip = label(transition.elasticIp());
        transitions.labelValues(eip, label(to)).inc();
        if (to == Role.MASTER) {
            masterDecidedNanos.put(eip, nanoClock.getAsLong());
        } else {
            masterDecidedNanos.remove(eip);
        }
    }

    @Override
    public void called(String operation, UUID instance, Outcome outcome, long nanos) {
        called(null, operation, instance, outcome, nanos);
    }

    @Override
    public void called(Inet4Address elasticIp, String operation, UUID instance, Outcome outcome, long nanos) {
        apiRequests.labelValues(operation, outcome.label()).inc();
        apiDuration.labelValues(operation).observe(nanos / 1e9);
        if (outcome == Outcome.SUCCESS && ATTACH.equals(operation) && self.equals(instance)) {
            String eip = label(elasticIp);
            Long decided = masterDecidedNanos.remove(eip);
            if (decided != null) {
                lastFailover.labelValues(eip).set((nanoClock.getAsLong() - decided) / 1e9);
                lastFailoverTimestamp.labelValues(eip).set(System.currentTimeMillis() / 1e3);
            }
        }
    }

    /** An address as a label value; none (a node of one address, tests) is the first. */
    private String label(Inet4Address elasticIp) {
        return elasticIp == null ? elasticIps.get(0) : elasticIp.getHostAddress();
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

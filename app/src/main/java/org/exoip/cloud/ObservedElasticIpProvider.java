package org.exoip.cloud;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Times and reports every call to the cloud: one log line per call with structured fields
 * ({@code event=api_call}, {@code operation}, {@code instance}, {@code outcome}, {@code duration_ms};
 * writes at INFO, reads at DEBUG), and the {@link ApiCallListener} for metrics.
 *
 * <p>Thread-safe as the wrapped provider is: it keeps no state of its own.
 */
public final class ObservedElasticIpProvider implements ElasticIpProvider {

    private static final Logger LOG = LogManager.getLogger(ObservedElasticIpProvider.class);

    private final ElasticIpProvider delegate;
    /** The address the calls are about, for the listener; null when unnamed. */
    private final Inet4Address elasticIp;
    private final ApiCallListener listener;
    private final LongSupplier nanoClock;

    public ObservedElasticIpProvider(ElasticIpProvider delegate, ApiCallListener listener) {
        this(delegate, null, listener, System::nanoTime);
    }

    /** Calls about {@code elasticIp}, which the listener is told of with each. */
    public ObservedElasticIpProvider(ElasticIpProvider delegate, Inet4Address elasticIp, ApiCallListener listener) {
        this(delegate, elasticIp, listener, System::nanoTime);
    }

    ObservedElasticIpProvider(ElasticIpProvider delegate, Inet4Address elasticIp, ApiCallListener listener,
            LongSupplier nanoClock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.elasticIp = elasticIp;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.nanoClock = nanoClock;
    }

    @Override
    public Set<UUID> holders() throws CloudException {
        return observe(ApiCallListener.LIST, null, delegate::holders);
    }

    @Override
    public void probe() throws CloudException {
        observe(ApiCallListener.PROBE, null, () -> {
            delegate.probe();
            return null;
        });
    }

    @Override
    public Optional<Claim> readClaim() throws CloudException {
        return observe(ApiCallListener.READ_CLAIM, null, delegate::readClaim);
    }

    @Override
    public void writeClaim(Claim claim) throws CloudException {
        observe(ApiCallListener.WRITE_CLAIM, null, () -> {
            delegate.writeClaim(claim);
            return null;
        });
    }

    @Override
    public void attach(UUID instance) throws CloudException {
        observe(ApiCallListener.ATTACH, instance, () -> {
            delegate.attach(instance);
            return null;
        });
    }

    @Override
    public void detach(UUID instance) throws CloudException {
        observe(ApiCallListener.DETACH, instance, () -> {
            delegate.detach(instance);
            return null;
        });
    }

    /** The same reporting around a peer source (the security group listing of {@code -G}). */
    public PeerSource observe(PeerSource peers) {
        ObservedElasticIpProvider aboutNone = elasticIp == null ? this
                : new ObservedElasticIpProvider(delegate, null, listener, nanoClock);
        return () -> aboutNone.observe(ApiCallListener.LIST_PEERS, null, peers::peers);
    }

    /** A cloud call that may fail. */
    @FunctionalInterface
    interface Call<T> {
        T call() throws CloudException;
    }

    private <T> T observe(String operation, UUID instance, Call<T> call) throws CloudException {
        long start = nanoClock.getAsLong();
        ApiCallListener.Outcome outcome = ApiCallListener.Outcome.FAILURE;
        try {
            T result = call.call();
            outcome = ApiCallListener.Outcome.SUCCESS;
            return result;
        } finally {
            long nanos = nanoClock.getAsLong() - start;
            listener.called(elasticIp, operation, instance, outcome, nanos);
            log(operation, instance, outcome, nanos);
        }
    }

    /**
     * The call's record. Not a failure's reason: whoever handles the failure says it (the
     * reconciler's retry warning, the exit line of -A and -D), and once is enough.
     */
    private static void log(String operation, UUID instance, ApiCallListener.Outcome outcome, long nanos) {
        boolean write = ApiCallListener.ATTACH.equals(operation) || ApiCallListener.DETACH.equals(operation);
        Level level = write ? Level.INFO : Level.DEBUG;
        if (!LOG.isEnabled(level)) {
            return;
        }
        long millis = Math.round(nanos / 1e6);
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "api_call")
                .put("operation", operation)
                .put("outcome", outcome.label())
                .put("duration_ms", Long.toString(millis))) {
            if (instance != null) {
                fields.put("instance", instance.toString());
            }
            LOG.log(level, "API {}{}: {} in {} ms", operation, instance == null ? "" : " " + instance,
                    outcome.label(), millis);
        }
    }
}

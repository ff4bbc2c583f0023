package org.exoip.watchdog;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.AbandonedCallException;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;

/**
 * Keeps this node's way to the cloud proven and warm (the keep-warm of {@code --api-keep-warm}):
 * one cheap signed read ({@link ElasticIpProvider#probe()}) every period, on a thread of its own,
 * so that
 * <ul>
 *   <li>the write a failover needs goes out at once on a live pooled connection, with no name
 *       lookup and no TCP or TLS handshake in front of it (the period is below the client's idle
 *       timeout, so the pooled connection is never too old to use);</li>
 *   <li>a node that could not take over (credentials refused, API unreachable, Elastic IP gone)
 *       says so before it is needed: a WARN line on each change of reason, {@code info}, the
 *       metrics and the {@code /readyz} answer.</li>
 * </ul>
 *
 * <p>Cost: one request a period per node, 240 an hour at the default 15 s.
 *
 * <p>Thread-safe: {@link #readiness()} may be called from any thread; probes run on the thread
 * {@link #start} makes, which {@link #close} stops.
 */
public final class CloudProbe implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(CloudProbe.class);

    /**
     * What the last probe showed.
     *
     * @param ready whether the last probe succeeded
     * @param reason why not, when not ready ({@code "not proven yet"} before the first probe ends)
     * @param sinceNanos since when (monotonic) the node has been in this readiness
     * @param lastProbeNanos when the last probe ended (monotonic); 0 before the first
     * @param latencyNanos how long the last probe took
     */
    public record Readiness(boolean ready, String reason, long sinceNanos, long lastProbeNanos, long latencyNanos) {

        /** One line for {@code info}, e.g. {@code ready, proven 3.012s ago in 0.035s}. */
        public String describe(long nowNanos) {
            if (lastProbeNanos == 0) {
                return "NOT READY: " + reason;
            }
            String last = String.format(Locale.ROOT, "%.3fs ago in %.3fs", (nowNanos - lastProbeNanos) / 1e9,
                    latencyNanos / 1e9);
            return ready ? "ready, proven " + last
                    : String.format(Locale.ROOT, "NOT READY for %.3fs (last probe %s): %s",
                            (nowNanos - sinceNanos) / 1e9, last, reason);
        }
    }

    private final ElasticIpProvider provider;
    private final Duration period;
    private final LongSupplier nanoClock;
    private final ThreadFactory threads;
    private volatile Readiness readiness;
    private Thread thread;
    private boolean closed;

    /**
     * @param provider the cloud, as the reconciler sees it (with its timeout)
     * @param period   how often to probe; positive
     */
    public CloudProbe(ElasticIpProvider provider, Duration period, LongSupplier nanoClock, ThreadFactory threads) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.period = Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("probe period must be positive, got " + period);
        }
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.threads = Objects.requireNonNull(threads, "threads");
        this.readiness = new Readiness(false, "not proven yet", nanoClock.getAsLong(), 0, 0);
    }

    /** Probes at once, then every period. */
    public synchronized void start() {
        if (thread == null && !closed) {
            thread = threads.newThread(this::loop);
            thread.start();
        }
    }

    public Readiness readiness() {
        return readiness;
    }

    public Duration period() {
        return period;
    }

    /** One probe, and what it changes; the probe thread calls it, tests call it directly. */
    void probeOnce() {
        long start = nanoClock.getAsLong();
        String problem = null;
        try {
            provider.probe();
        } catch (AbandonedCallException e) {
            return;
        } catch (CloudException e) {
            problem = e.getMessage();
        } catch (RuntimeException e) {
            problem = String.valueOf(e);
        }
        long end = nanoClock.getAsLong();
        Readiness before = readiness;
        boolean ready = problem == null;
        boolean changed = before.ready() != ready || before.lastProbeNanos() == 0;
        readiness = new Readiness(ready, ready ? "" : problem, changed ? end : before.sinceNanos(), end, end - start);
        if (ready && changed) {
            LOG.info("The way to the cloud is proven: this node could take over (probe took {} ms)",
                    (end - start) / 1_000_000);
        } else if (!ready && (changed || !sameKind(before.reason(), problem))) {
            LOG.warn("This node could not take over now: {}", problem);
        } else if (!ready) {
            LOG.debug("Probe of the way to the cloud failed again: {}", problem);
        }
    }

    /** Two failures of the same kind: the same message once ids and numbers are set aside. */
    private static boolean sameKind(String a, String b) {
        return a.replaceAll("[0-9a-f-]{8,}|[0-9]+", "#").equals(b.replaceAll("[0-9a-f-]{8,}|[0-9]+", "#"));
    }

    private void loop() {
        while (true) {
            probeOnce();
            synchronized (this) {
                long deadline = nanoClock.getAsLong() + period.toNanos();
                try {
                    while (!closed) {
                        long left = deadline - nanoClock.getAsLong();
                        if (left <= 0) {
                            break;
                        }
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (closed) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            notifyAll();
            running = thread;
        }
        if (running != null) {
            running.interrupt();
        }
    }
}

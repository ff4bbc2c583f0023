package org.exoip.cloud;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.exoip.exoscale.StepDeadline;

/**
 * Bounds every call of another provider by a timeout ({@code --api-timeout}), whatever that
 * provider does, so that a hung call cannot stall the reconciler nor a one-shot {@code -A}. The
 * call, with all its tries, is given a {@link StepDeadline} a little before the timeout (the
 * {@link #reserve}), so that the Exoscale client ends it itself and says how many tries it made
 * in how long; a call still running at the timeout is abandoned (interrupted) and reported as a
 * retryable failure. Reconciling re-reads the cloud, so a late success does no harm.
 */
public final class TimedElasticIpProvider implements ElasticIpProvider, AutoCloseable {

    private final ElasticIpProvider delegate;
    private final Duration timeout;
    private final ExecutorService calls;
    private final AtomicReference<Future<?>> pendingRead = new AtomicReference<>();

    public TimedElasticIpProvider(ElasticIpProvider delegate, Duration timeout, ThreadFactory threads) {
        this.delegate = delegate;
        this.timeout = timeout;
        this.calls = Executors.newCachedThreadPool(threads);
    }

    @Override
    public Set<UUID> holders() throws CloudException {
        return call("list the Elastic IP's holders", delegate::holders, true);
    }

    /**
     * Abandons (interrupts) the read in flight. A read whose request or answer a network cut lost
     * waits for TCP to retransmit, which after a cut of a few seconds can take seconds more; the
     * next read goes out on a fresh connection.
     */
    @Override
    public void abandonRead() {
        Future<?> read = pendingRead.get();
        if (read != null) {
            read.cancel(true);
        }
    }

    @Override
    public void probe() throws CloudException {
        call("prove the way to the cloud", () -> {
            delegate.probe();
            return null;
        }, false);
    }

    @Override
    public Optional<Claim> readClaim() throws CloudException {
        return call("read the Elastic IP's claim", delegate::readClaim, false);
    }

    @Override
    public void writeClaim(Claim claim) throws CloudException {
        call("write the Elastic IP's claim", () -> {
            delegate.writeClaim(claim);
            return null;
        }, false);
    }

    @Override
    public void attach(UUID instance) throws CloudException {
        call("attach the Elastic IP to " + instance, () -> {
            delegate.attach(instance);
            return null;
        }, false);
    }

    @Override
    public void detach(UUID instance) throws CloudException {
        call("detach the Elastic IP from " + instance, () -> {
            delegate.detach(instance);
            return null;
        }, false);
    }

    /**
     * How much sooner than the timeout the step's own deadline falls: a tenth of it, at most
     * 250 ms, time for the client's failure to come back before the call is abandoned.
     */
    static Duration reserve(Duration timeout) {
        Duration tenth = timeout.dividedBy(10);
        return tenth.compareTo(MAX_RESERVE) < 0 ? tenth : MAX_RESERVE;
    }

    private static final Duration MAX_RESERVE = Duration.ofMillis(250);

    private <T> T call(String what, Callable<T> body, boolean read) throws CloudException {
        StepDeadline deadline = StepDeadline.of(timeout, reserve(timeout));
        FutureTask<T> future = new FutureTask<>(() -> deadline.run(body));
        if (read) {
            pendingRead.set(future); // before it runs, so that it can be abandoned from its first instant
        }
        calls.execute(future);
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (CancellationException e) {
            throw new AbandonedCallException(what + " abandoned for a fresh one");
        } catch (TimeoutException e) {
            future.cancel(true);
            int tries = deadline.tries();
            throw new CloudException(what + " failed: not done within " + timeout.toMillis() + " ms, the API timeout ("
                    + tries + (tries == 1 ? " try" : " tries") + ", abandoned)", true);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CloudException cloud) {
                throw cloud;
            }
            throw new CloudException(what + " failed: " + e.getCause(), true, e.getCause());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new CloudException(what + " interrupted", true);
        } finally {
            if (read) {
                pendingRead.compareAndSet(future, null);
            }
        }
    }

    @Override
    public void close() {
        calls.shutdownNow();
    }
}

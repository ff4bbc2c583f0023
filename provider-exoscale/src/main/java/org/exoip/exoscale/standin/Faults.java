package org.exoip.exoscale.standin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The queue of {@link Fault}s still to be played. The first queued fault that matches a request
 * is used and its count goes down by one; it leaves the queue when used up.
 *
 * <p>Thread-safe: tests queue faults while request threads take them.
 */
public final class Faults {

    private final List<Fault> queue = new ArrayList<>();
    /** Goes up on every {@link #clear()}: slow answers waiting under an older one stop waiting. */
    private long clears;

    /** Queues a fault after those already queued. */
    public synchronized void add(Fault fault) {
        queue.add(fault);
    }

    /** Forgets every queued fault, and ends the wait of slow answers being played (they answer now). */
    public synchronized void clear() {
        queue.clear();
        clears++;
        notifyAll();
    }

    /**
     * Waits {@code delay} (real time: a slow fault is meant to make a client's own timeout fire),
     * or less if {@link #clear()} is called meanwhile.
     */
    synchronized void awaitSlow(Duration delay) throws InterruptedException {
        long generation = clears;
        long deadline = System.nanoTime() + delay.toNanos();
        for (long left = delay.toNanos(); left > 0 && generation == clears; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** The faults still queued, each with the number of requests it still applies to. */
    public synchronized List<Fault> pending() {
        return List.copyOf(queue);
    }

    /** Takes the first HTTP-level fault (any kind but operation failure) matching a request from {@code client}. */
    synchronized Optional<Fault> takeHttpFault(String method, String rawPath, String client) {
        return take(method, rawPath, client, false);
    }

    /** Takes the first operation failure matching an attach or detach request from {@code client}. */
    synchronized Optional<Fault> takeOperationFailure(String method, String rawPath, String client) {
        return take(method, rawPath, client, true);
    }

    private Optional<Fault> take(String method, String rawPath, String client, boolean operationFailure) {
        for (ListIterator<Fault> it = queue.listIterator(); it.hasNext(); ) {
            Fault fault = it.next();
            if ((fault.kind() == Fault.Kind.OPERATION_FAILURE) != operationFailure
                    || !fault.matches(method, rawPath, client)) {
                continue;
            }
            if (fault.times() == 1) {
                it.remove();
            } else {
                it.set(fault.times(fault.times() - 1));
            }
            return Optional.of(fault);
        }
        return Optional.empty();
    }
}

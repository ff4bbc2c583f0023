package org.exoip.exoscale.standin;

import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Optional;

/**
 * The queue of {@link Fault}s still to be played. The first queued fault that matches a request
 * is used and its count goes down by one; it leaves the queue when used up.
 *
 * <p>Thread-safe: tests queue faults while request threads take them.
 */
public final class Faults {

    private final List<Fault> queue = new ArrayList<>();

    /** Queues a fault after those already queued. */
    public synchronized void add(Fault fault) {
        queue.add(fault);
    }

    /** Forgets every queued fault. */
    public synchronized void clear() {
        queue.clear();
    }

    /** The faults still queued, each with the number of requests it still applies to. */
    public synchronized List<Fault> pending() {
        return List.copyOf(queue);
    }

    /** Takes the first HTTP-level fault (any kind but operation failure) matching a request. */
    synchronized Optional<Fault> takeHttpFault(String method, String rawPath) {
        return take(method, rawPath, false);
    }

    /** Takes the first operation failure matching an attach or detach request. */
    synchronized Optional<Fault> takeOperationFailure(String method, String rawPath) {
        return take(method, rawPath, true);
    }

    private Optional<Fault> take(String method, String rawPath, boolean operationFailure) {
        for (ListIterator<Fault> it = queue.listIterator(); it.hasNext(); ) {
            Fault fault = it.next();
            if ((fault.kind() == Fault.Kind.OPERATION_FAILURE) != operationFailure
                    || !fault.matches(method, rawPath)) {
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

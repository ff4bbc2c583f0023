package org.exoip.exoscale;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The addresses the API endpoint's host name resolves to, kept so that name resolution is never on
 * the path of a request. A thread of its own resolves the name every refresh period (and at once
 * after {@link #refreshSoon}); a request takes the last answer that had addresses, at once, whatever
 * the resolver does now: slow, failing or down. Only a name that never resolved makes a request
 * wait (up to the connect timeout) and then fail with "cannot resolve NAME".
 *
 * <p>Java's own cache ({@code networkaddress.cache.ttl}, 30 s) still sits below: a refresh sees a
 * changed record within the refresh period plus that time.
 *
 * <p>Thread-safe: {@link #current} is called on the threads that make API calls, the refresh runs
 * on its own daemon thread, which {@link #close} stops.
 */
final class EndpointAddresses implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(EndpointAddresses.class);

    /** Resolves a host name; {@code InetAddress::getAllByName} outside tests. May block. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** A name that never resolved: the request cannot go out. Unchecked: thrown from the request interceptor. */
    static final class UnresolvedException extends RuntimeException {
        UnresolvedException(String message) {
            super(message, null, false, false);
        }
    }

    private final String host;
    private final Resolver resolver;
    private final Duration refresh;
    private final LongSupplier nanoTime;
    /** The last answer with addresses, and when it came (nanoTime); null until the first. */
    private volatile Answer last;
    /** Why the last resolution failed; null after a success. Guarded by this. */
    private String failure;
    /** Rotates through the addresses after a connection to one failed. */
    private volatile int preferred;
    private boolean wanted;
    private boolean closed;
    /** Resolutions done so far, failed or not. Guarded by this. */
    private long resolutions;
    /** Whether a resolution is under way. Guarded by this. */
    private boolean resolving;
    private Thread thread;

    private record Answer(List<InetAddress> addresses, long atNanos) {
    }

    EndpointAddresses(String host, Resolver resolver, Duration refresh, LongSupplier nanoTime) {
        this.host = Objects.requireNonNull(host, "host");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.refresh = Objects.requireNonNull(refresh, "refresh");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Starts the refresh thread, which resolves the name at once. */
    synchronized EndpointAddresses start() {
        if (thread == null) {
            thread = new Thread(this::refreshLoop, "exoip-resolve-" + host);
            thread.setDaemon(true);
            thread.start();
        }
        return this;
    }

    String host() {
        return host;
    }

    /**
     * The address to connect to: the preferred one of the last good answer. Waits up to {@code wait}
     * only while the name has never resolved.
     *
     * @throws UnresolvedException when the name has not resolved within {@code wait}
     */
    InetAddress current(Duration wait) {
        Answer answer = last;
        if (answer == null) {
            answer = awaitFirst(wait);
        }
        List<InetAddress> addresses = answer.addresses();
        return addresses.get(Math.floorMod(preferred, addresses.size()));
    }

    /** A connection to {@code failed} could not be made: use the next address, and resolve again soon. */
    void failed(InetAddress failed) {
        Answer answer = last;
        if (answer != null && answer.addresses().size() > 1
                && answer.addresses().get(Math.floorMod(preferred, answer.addresses().size())).equals(failed)) {
            preferred++;
        }
        refreshSoon();
    }

    /** Asks the refresh thread to resolve now rather than at the end of its period. */
    synchronized void refreshSoon() {
        wanted = true;
        notifyAll();
    }

    private synchronized Answer awaitFirst(Duration wait) {
        long deadline = nanoTime.getAsLong() + wait.toNanos();
        // Until an answer, the deadline, or the failure of a resolution begun after this call.
        long until = resolutions + (resolving ? 2 : 1);
        wanted = true;
        notifyAll();
        try {
            while (last == null && !closed && resolutions < until) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (last == null) {
            throw new UnresolvedException("cannot resolve " + host
                    + (failure == null ? " (no answer from the resolver within " + wait.toMillis() + " ms)"
                    : " (" + failure + ")"));
        }
        return last;
    }

    /**
     * One resolution: a success replaces the addresses, a failure keeps the last good ones. Logs
     * once per change between resolving and not. Called by the refresh thread; tests call it directly.
     */
    void resolveOnce() {
        synchronized (this) {
            resolving = true;
        }
        String problem;
        List<InetAddress> fresh = List.of();
        try {
            fresh = List.of(resolver.resolve(host));
            problem = fresh.isEmpty() ? "the resolver gave no address" : null;
        } catch (UnknownHostException e) {
            problem = e.getMessage() == null || e.getMessage().equals(host) ? "name not found"
                    : e.getMessage();
        } catch (RuntimeException e) {
            problem = String.valueOf(e.getMessage());
        }
        synchronized (this) {
            Answer previous = last;
            if (problem == null) {
                if (previous == null || !previous.addresses().equals(fresh)) {
                    LOG.info("API host {} is at {}", host, describe(fresh));
                } else if (failure != null) {
                    LOG.info("API host {} resolves again", host);
                }
                last = new Answer(fresh, nanoTime.getAsLong());
                failure = null;
            } else {
                if (failure == null && previous != null) {
                    LOG.warn("Cannot resolve API host {} ({}); using its last addresses {}, resolved {} s ago",
                            host, problem, describe(previous.addresses()),
                            (nanoTime.getAsLong() - previous.atNanos()) / 1_000_000_000L);
                } else if (failure == null) {
                    LOG.warn("Cannot resolve API host {} ({}); requests wait for it", host, problem);
                }
                failure = problem;
            }
            resolutions++;
            resolving = false;
            notifyAll();
        }
    }

    private void refreshLoop() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                wanted = false;
            }
            resolveOnce();
            synchronized (this) {
                long deadline = nanoTime.getAsLong() + refresh.toNanos();
                try {
                    while (!wanted && !closed) {
                        long left = deadline - nanoTime.getAsLong();
                        if (left <= 0) {
                            break;
                        }
                        TimeUnit.NANOSECONDS.timedWait(this, left);
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static String describe(List<InetAddress> addresses) {
        StringBuilder text = new StringBuilder();
        for (InetAddress address : addresses) {
            text.append(text.length() == 0 ? "" : ", ").append(address.getHostAddress());
        }
        return text.toString();
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}

package org.exoip.exoscale;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The end of the time allowed to the cloud step under way on this thread (a read of the holders,
 * an attach, a detach, a probe: a few API calls, each with its tries): whoever bounds the step
 * sets it with {@link #until}, and {@link ExoscaleClient} fits every try, back-off and operation
 * poll of those calls before it, so that the step ends by then and its failure says how many
 * tries it made in how long. As gRPC's deadline in its Context, for a blocking client.
 *
 * <p>Monotonic ({@link System#nanoTime()}), since the HTTP timeouts it bounds are real time.
 * Thread-safe: the client counts its tries in it, which whoever abandons the step may read.
 */
public final class StepDeadline {

    private static final ThreadLocal<StepDeadline> CURRENT = new ThreadLocal<>();

    private final long atNanos;
    private final Duration allowed;
    private final AtomicInteger tries = new AtomicInteger();

    private StepDeadline(long atNanos, Duration allowed) {
        this.atNanos = atNanos;
        this.allowed = allowed;
    }

    /**
     * A deadline {@code allowed} less {@code reserve} from now: the reserve is the time left to
     * whoever bounds the step to hear of its failure before it abandons it.
     */
    public static StepDeadline of(Duration allowed, Duration reserve) {
        Objects.requireNonNull(allowed, "allowed");
        return new StepDeadline(System.nanoTime() + allowed.minus(reserve).toNanos(), allowed);
    }

    /** Runs {@code step} on this thread under this deadline. */
    public <T> T run(Callable<T> step) throws Exception {
        StepDeadline outer = CURRENT.get();
        CURRENT.set(this);
        try {
            return step.call();
        } finally {
            CURRENT.set(outer);
        }
    }

    /** The requests the step has sent so far (the two of a hedged try count as one). */
    public int tries() {
        return tries.get();
    }

    void tried() {
        tries.incrementAndGet();
    }

    /** The deadline of the step under way on this thread, or null when none was set. */
    static StepDeadline current() {
        return CURRENT.get();
    }

    /** Nanoseconds left, negative once past. */
    long remainingNanos() {
        return atNanos - System.nanoTime();
    }

    /** The time the step was given. */
    Duration allowed() {
        return allowed;
    }
}

package org.exoip.exoscale;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The end of the time allowed to the cloud step under way on this thread (a read of the holders,
 * an attach, a detach, a probe: a few API calls, each with its tries): whoever bounds the step
 * sets it with {@link #until}, and {@link ExoscaleClient} fits every try, back-off and operation
 * poll of those calls before it, so that the step ends by then and its failure says how many
 * tries it made in how long. As gRPC's deadline in its Context, for a blocking client.
 *
 * <p>Monotonic ({@link System#nanoTime()}), since the HTTP timeouts it bounds are real time.
 */
public final class StepDeadline {

    private static final ThreadLocal<StepDeadline> CURRENT = new ThreadLocal<>();

    private final long atNanos;
    private final Duration allowed;

    private StepDeadline(long atNanos, Duration allowed) {
        this.atNanos = atNanos;
        this.allowed = allowed;
    }

    /**
     * Runs {@code step} on this thread with its calls ending by {@code atNanos} ({@link
     * System#nanoTime()}); {@code allowed} is the time the step was given, for messages.
     */
    public static <T> T until(long atNanos, Duration allowed, Callable<T> step) throws Exception {
        Objects.requireNonNull(allowed, "allowed");
        StepDeadline outer = CURRENT.get();
        CURRENT.set(new StepDeadline(atNanos, allowed));
        try {
            return step.call();
        } finally {
            CURRENT.set(outer);
        }
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

package org.exoip.cli;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.CloudException;

/**
 * Retries a start-up lookup of the watchdog (this instance's id and zone from the metadata server)
 * that failed for a passing reason: at boot an ifupdown or cloud-init hook often runs before the
 * network, the resolver or the metadata server answers. Each different failure is logged once at
 * WARN (its repeats at DEBUG); a failure no retry can mend, or the end of the time allowed, ends the
 * start with that failure.
 *
 * <p>Not thread-safe: used by the main thread during start-up.
 */
final class StartupRetry {

    /** The monotonic clock and the wait between tries; tests move a clock of their own instead of sleeping. */
    interface Time {
        Time REAL = new Time() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long nanos) throws InterruptedException {
                TimeUnit.NANOSECONDS.sleep(nanos);
            }
        };

        long nanos();

        void sleep(long nanos) throws InterruptedException;
    }

    /** A step that is tried once: -A and -D fail fast, within --api-timeout. */
    static final StartupRetry NONE = new StartupRetry(Duration.ZERO, Time.REAL, null);

    /** One second first, doubling to 30 s, with a fifth of jitter: a few tries in the first minute. */
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);

    /** A step of the start-up: a lookup that may fail. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws CloudException;
    }

    private final Duration limit;
    private final Time time;
    private final Logger log;

    StartupRetry(Duration limit, Time time, Logger log) {
        this.limit = limit;
        this.time = time;
        this.log = log;
    }

    /**
     * Runs {@code step} until it succeeds, fails for good, or {@code limit} has passed since the
     * first try; then throws the last failure, with how long it was retried.
     *
     * @param what what the step does, for the log ("find this instance and its zone")
     */
    <T> T run(String what, Step<T> step) throws CloudException {
        long start = time.nanos();
        String lastLogged = null;
        for (int attempt = 0; ; attempt++) {
            try {
                T result = step.run();
                if (attempt > 0) {
                    log.info("Start-up: could {} after {} tries", what, attempt + 1);
                }
                return result;
            } catch (CloudException e) {
                long delay = BACKOFF.delay(attempt, Math::random).toNanos();
                long waited = time.nanos() - start;
                if (!e.retryable() || waited + delay > limit.toNanos()) {
                    if (attempt == 0) {
                        throw e;
                    }
                    throw new CloudException("gave up trying to " + what + " after " + (attempt + 1) + " tries in "
                            + TimeUnit.NANOSECONDS.toSeconds(waited) + " s (--start-timeout " + limit.toSeconds()
                            + " s): " + e.getMessage(), e.retryable(), e);
                }
                String message = e.getMessage();
                if (!message.equals(lastLogged)) {
                    log.warn("Start-up: cannot {} yet, retrying for up to {} s: {}", what, limit.toSeconds(), message);
                    lastLogged = message;
                } else {
                    log.debug("Start-up: try {} failed the same way; next in {} ms", attempt + 1,
                            TimeUnit.NANOSECONDS.toMillis(delay));
                }
                try {
                    time.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}

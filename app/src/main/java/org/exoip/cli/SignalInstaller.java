package org.exoip.cli;

import java.util.concurrent.Callable;
import org.exoip.watchdog.WatchdogEngine;

/**
 * Connects process signals to the program. The real one ({@link ProcessSignals#process()}) takes
 * the signals over in the first line of {@code main}, before anything is written, and routes them to
 * the running watchdog once it is {@linkplain #install installed}; until then a stop exits at once,
 * cleanly. In-process tests use {@link #NONE}.
 */
@FunctionalInterface
public interface SignalInstaller {

    /**
     * The variable that moves HotSpot's thread suspend/resume signal off SIGUSR2. HotSpot suspends
     * threads with SIGUSR2 (for Flight Recorder's sampler, for example); once SIGUSR2 has a Java
     * handler, each of those suspensions raises the priority by one. bin/exoip sets it.
     */
    String SUSPEND_SIGNAL_VARIABLE = "_JAVA_SR_SIGNUM";

    /** The signal bin/exoip gives HotSpot instead: a real-time one that nothing else sends. */
    String SUSPEND_SIGNAL = "39";

    /**
     * What the signals act on once the watchdog runs: SIGTERM / SIGINT stop it with a hand-over,
     * SIGUSR1 / SIGUSR2 move its priority by −1 / +1, SIGHUP runs {@code reload} (re-reads what may
     * have changed on disk or in the cloud; never stops). Called on the JVM's signal threads.
     */
    record Running(WatchdogEngine engine, Runnable reload) {
    }

    /** From now on the signals act on {@code watchdog}; signals received before are applied now. */
    void install(Running watchdog);

    /**
     * Runs a start-up step that leaves something behind a stop must undo (the PID file), never
     * while an early stop is exiting, and has that stop close what the step returned (if not null).
     */
    default <T extends AutoCloseable> T guard(Callable<T> step) throws Exception {
        return step.call();
    }

    /**
     * Says how a stop before {@link #install} ends: {@code true} for the one-shot -A and -D, which
     * an early stop interrupts (exit 128 + the signal's number), {@code false} for the watchdog,
     * which holds nothing yet (exit 0).
     */
    default void oneShot(boolean oneShot) {
    }

    /** Installs nothing, for in-process tests. */
    SignalInstaller NONE = watchdog -> { };
}

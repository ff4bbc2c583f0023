package org.exoip.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.watchdog.WatchdogEngine;
import sun.misc.Signal;

/**
 * Connects process signals to a running watchdog. The JVM counts every delivered signal and calls
 * the handler once for each on its signal thread; the handler only queues the work on the engine's
 * event loop, so no signal is lost and none races with the advert path.
 */
@FunctionalInterface
public interface SignalInstaller {

    void install(WatchdogEngine engine);

    /**
     * The variable that moves HotSpot's thread suspend/resume signal off SIGUSR2. HotSpot suspends
     * threads with SIGUSR2 (for Flight Recorder's sampler, for example); once SIGUSR2 has a Java
     * handler, each of those suspensions raises the priority by one. bin/exoip sets it.
     */
    String SUSPEND_SIGNAL_VARIABLE = "_JAVA_SR_SIGNUM";

    /** The signal bin/exoip gives HotSpot instead: a real-time one that nothing else sends. */
    String SUSPEND_SIGNAL = "39";

    /** SIGUSR1 / SIGUSR2: priority −1 / +1; SIGTERM / SIGINT: clean stop with hand-over. */
    SignalInstaller POSIX = engine -> {
        Logger log = LogManager.getLogger(SignalInstaller.class);
        String suspendSignal = System.getenv(SUSPEND_SIGNAL_VARIABLE);
        if (suspendSignal == null || suspendSignal.isBlank() || suspendSignal.trim().equals("12")) {
            log.warn("The JVM suspends threads with SIGUSR2, which here raises the priority: a profiler or a Flight "
                    + "Recorder recording would move it. Start exoip through its launcher (bin/exoip, /usr/bin/exoip), "
                    + "or set " + SUSPEND_SIGNAL_VARIABLE + "=" + SUSPEND_SIGNAL + " in its environment");
        }
        on("USR1", () -> engine.adjustPriority(-1));
        on("USR2", () -> engine.adjustPriority(+1));
        on("TERM", () -> {
            log.info("SIGTERM received");
            engine.stop();
        });
        on("INT", () -> {
            log.info("SIGINT received");
            engine.stop();
        });
    };

    /**
     * Runs {@code action} on the JVM's signal thread for each delivery of signal {@code name}. The
     * one use of sun.misc.Signal (jdk.unsupported: the JDK has no other signal API), so that javac's
     * "internal proprietary API" warning is given once, not for every signal.
     */
    private static void on(String name, Runnable action) {
        Signal.handle(new Signal(name), s -> action.run());
    }

    /** Installs nothing, for in-process tests. */
    SignalInstaller NONE = engine -> { };
}

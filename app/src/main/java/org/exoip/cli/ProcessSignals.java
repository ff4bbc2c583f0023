package org.exoip.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.logging.Logging;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The process's signals, handled from the first line of {@code main}: without this a SIGTERM in
 * the first second (while the JVM starts, the metadata is read, the socket is bound) took the JVM's
 * default and exited 143 with no line logged and the PID file left behind; a SIGHUP or SIGUSR1
 * killed the process at any time.
 *
 * <p>Before the watchdog runs, a stop logs one line, removes what {@link #guard} registered and exits
 * (0, or 128 + the signal's number for -A and -D); SIGUSR1/SIGUSR2 are counted and applied once it
 * runs; SIGHUP has nothing to reload yet. Afterwards every signal goes to the {@link Running} watchdog.
 *
 * <p>Thread-safe: the JVM calls the handlers on threads of its own, once per delivered signal.
 */
final class ProcessSignals implements SignalInstaller {

    private static final ProcessSignals PROCESS = new ProcessSignals();
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;

    private final List<AutoCloseable> undoOnStop = new ArrayList<>();
    /** What HotSpot refused to handle because the process started with it ignored (nohup, {@code &}). */
    private final List<String> ignoredAtStart = new ArrayList<>();
    private Running target;
    private int pendingPriority;
    private boolean oneShot;
    private boolean installed;

    private ProcessSignals() {
    }

    /**
     * The logger, got only when a signal needs a line: installing the handlers in main's first line
     * must not start log4j2 there, which start-up does on the main thread while the warm-up thread
     * loads picocli on the other core.
     */
    private static Logger log() {
        return LogManager.getLogger(ProcessSignals.class);
    }

    /** This process's signals, handled from the first call on. */
    static synchronized ProcessSignals process() {
        if (!PROCESS.installed) {
            PROCESS.installed = true;
            PROCESS.on("TERM", () -> PROCESS.stop("SIGTERM", SIGTERM));
            PROCESS.on("INT", () -> PROCESS.stop("SIGINT", SIGINT));
            PROCESS.on("HUP", PROCESS::reload);
            PROCESS.on("USR1", () -> PROCESS.adjustPriority(-1));
            PROCESS.on("USR2", () -> PROCESS.adjustPriority(+1));
        }
        return PROCESS;
    }

    /**
     * Runs {@code action} on a JVM signal thread for each delivery of signal {@code name}. The one
     * use of sun.misc.Signal (jdk.unsupported: the JDK has no other signal API), so that javac's
     * "internal proprietary API" warning is given once, not for every signal.
     *
     * <p>HotSpot leaves SIGHUP, SIGINT and SIGTERM ignored when the process started with them
     * ignored ({@code nohup} ignores SIGHUP, {@code &} in a script SIGINT): it installs nothing,
     * throws nothing, and answers that the old handler was SIG_IGN, which for these three happens
     * only then. Such a signal is noted, to be told once the watchdog runs.
     */
    private void on(String name, Runnable action) {
        if (Signal.handle(new Signal(name), s -> action.run()) == SignalHandler.SIG_IGN
                && !name.startsWith("USR")) {
            ignoredAtStart.add(name);
        }
    }

    @Override
    public void install(Running running) {
        String suspendSignal = System.getenv(SUSPEND_SIGNAL_VARIABLE);
        if (suspendSignal == null || suspendSignal.isBlank() || suspendSignal.trim().equals("12")) {
            log().warn("The JVM suspends threads with SIGUSR2, which here raises the priority: a profiler or a Flight "
                    + "Recorder recording would move it. Start exoip through its launcher (bin/exoip, /usr/bin/exoip), "
                    + "or set " + SUSPEND_SIGNAL_VARIABLE + "=" + SUSPEND_SIGNAL + " in its environment");
        }
        int pending;
        synchronized (this) {
            warnIgnored();
            target = running;
            pending = pendingPriority;
            pendingPriority = 0;
        }
        if (pending != 0) {
            log().info("Applying the priority change of {} signalled while starting", pending);
            running.engine().adjustPriority(pending);
        }
    }

    /** One line for the signals the JVM left ignored: what will not work, why, and the way out. */
    private void warnIgnored() {
        if (ignoredAtStart.isEmpty()) {
            return;
        }
        List<String> lost = new ArrayList<>();
        for (String name : ignoredAtStart) {
            lost.add("SIG" + name + (name.equals("HUP") ? " (reload)" : " (stop)"));
        }
        log().warn("{} will not work: exoip was started with {} ignored (nohup, or '&' in a script), and the JVM "
                + "cannot handle a signal that it inherits ignored. Start exoip through its launcher (bin/exoip, "
                + "/usr/bin/exoip), which restores {}", String.join(", ", lost),
                ignoredAtStart.size() == 1 ? "it" : "them", ignoredAtStart.size() == 1 ? "it" : "them");
    }

    @Override
    public synchronized <T extends AutoCloseable> T guard(Callable<T> step) throws Exception {
        T resource = step.call();
        if (resource != null) {
            undoOnStop.add(resource);
        }
        return resource;
    }

    @Override
    public synchronized void oneShot(boolean value) {
        oneShot = value;
    }

    private void stop(String signal, int number) {
        Running running;
        synchronized (this) {
            running = target;
            if (running == null) {
                exitEarly(signal, number);
                return;
            }
        }
        log().info("{} received", signal);
        running.engine().stop();
    }

    /**
     * A stop before the watchdog runs: nothing is held yet (or, in -A / -D, the one call is cut
     * short). Holds the lock until the JVM is gone, so that no start-up step leaves anything behind.
     */
    private void exitEarly(String signal, int number) {
        int code = oneShot ? 128 + number : 0;
        log().warn("{} received while starting: exiting{}", signal,
                oneShot ? " (exit " + code + "): the Elastic IP may or may not have been moved" : "");
        for (AutoCloseable resource : undoOnStop) {
            try {
                resource.close();
            } catch (Exception e) {
                log().warn("While exiting: {}", e.getMessage());
            }
        }
        Logging.shutdown();
        Runtime.getRuntime().exit(code);
    }

    private void adjustPriority(int delta) {
        Running running;
        synchronized (this) {
            running = target;
            if (running == null) {
                pendingPriority += delta;
                log().info("Priority change of {} received while starting: applied once the watchdog runs", delta);
                return;
            }
        }
        running.engine().adjustPriority(delta);
    }

    private void reload() {
        Running running;
        synchronized (this) {
            running = target;
        }
        if (running == null) {
            log().info("SIGHUP received while starting: nothing to reload, the configuration is being read now");
            return;
        }
        log().info("SIGHUP received: reloading");
        running.reload().run();
    }
}

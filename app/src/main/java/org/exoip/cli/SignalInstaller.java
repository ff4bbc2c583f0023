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

    /** SIGUSR1 / SIGUSR2: priority −1 / +1; SIGTERM / SIGINT: clean stop with hand-over. */
    SignalInstaller POSIX = engine -> {
        Logger log = LogManager.getLogger(SignalInstaller.class);
        Signal.handle(new Signal("USR1"), s -> engine.adjustPriority(-1));
        Signal.handle(new Signal("USR2"), s -> engine.adjustPriority(+1));
        Signal.handle(new Signal("TERM"), s -> {
            log.info("SIGTERM received");
            engine.stop();
        });
        Signal.handle(new Signal("INT"), s -> {
            log.info("SIGINT received");
            engine.stop();
        });
    };

    /** Installs nothing, for in-process tests. */
    SignalInstaller NONE = engine -> { };
}

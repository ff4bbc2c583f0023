package org.exoip.cli;

import org.exoip.exoscale.ExoscaleClient;
import org.exoip.logging.Logging;
import org.exoip.process.QuickExit;
import picocli.CommandLine;

/** Entry point of the {@code exoip} program. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        // First: a stop, reload or priority signal from here on is handled, never the JVM's default.
        ProcessSignals.process();
        warmUp();
        int code = ExoipCommand.commandLine().execute(args);
        // Else the JVM's exit waits 300 ms for the HTTP client's idle selector thread.
        QuickExit.stopHttpClientSelectors();
        // Last: flush what is still queued for syslog before the JVM goes.
        Logging.shutdown();
        System.exit(code);
    }

    /**
     * Meanwhile on the second core: picocli's classes (compiled for Java 5, so the class-data
     * archive cannot hold them and each is verified as it loads), then what the first API call
     * needs. The main thread starts log4j2 in the meantime and finds these ready, or waits for
     * the class it needs; a daemon thread, so it never holds up the exit.
     */
    private static void warmUp() {
        Thread warmer = new Thread(() -> {
            try {
                new CommandLine(CommandLine.Model.CommandSpec.create()).parseArgs();
            } catch (RuntimeException | LinkageError e) {
                // Only a warm-up: the real parse meets whatever this met, and says so properly.
            }
            ExoscaleClient.warmUp();
        }, "exoip-warmup");
        warmer.setDaemon(true);
        warmer.start();
    }
}

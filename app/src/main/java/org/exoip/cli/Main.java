package org.exoip.cli;

import org.exoip.logging.Logging;
import org.exoip.process.QuickExit;

/** Entry point of the {@code exoip} program. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int code = ExoipCommand.commandLine().execute(args);
        // Else the JVM's exit waits 300 ms for the HTTP client's idle selector thread.
        QuickExit.stopHttpClientSelectors();
        // Last: flush what is still queued for syslog before the JVM goes.
        Logging.shutdown();
        System.exit(code);
    }
}

package org.exoip.cli;

import org.exoip.logging.Logging;

/** Entry point of the {@code exoip} program. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int code = ExoipCommand.commandLine().execute(args);
        // Last: flush what is still queued for syslog before the JVM goes.
        Logging.shutdown();
        System.exit(code);
    }
}

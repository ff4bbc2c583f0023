package org.exoip.cli;

/** Entry point of the {@code exoip} program. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(ExoipCommand.commandLine().execute(args));
    }
}

package org.exoip.cli;

import java.util.List;
import org.exoip.demo.DemoCommand;
import org.exoip.exoscale.standin.StandinCommand;
import picocli.CommandLine.HelpCommand;

/** The subcommands beside the original's flags: the stand-in API, the demo, info, the hand-over, and {@code help [COMMAND]}. */
final class Subcommands {

    private Subcommands() {
    }

    static List<Object> all() {
        return List.of(new StandinCommand(), new DemoCommand(), new InfoCommand(), new HandoverCommand(), new HelpCommand());
    }
}

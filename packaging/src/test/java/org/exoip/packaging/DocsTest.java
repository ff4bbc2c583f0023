package org.exoip.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.exoip.cli.ExoipCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class DocsTest {

    @TempDir
    Path out;

    @Test
    void theManPageNamesEveryOption() {
        CommandLine cmd = ExoipCommand.commandLine();
        String man = Docs.manPage(cmd.getCommandSpec(), "exoip 1.2.3");
        assertTrue(man.startsWith(".\\\" Generated"), man);
        assertTrue(man.contains(".TH EXOIP 1 \"\" \"exoip 1.2.3\""), man);
        for (OptionSpec option : cmd.getCommandSpec().options()) {
            for (String name : option.names()) {
                assertTrue(man.contains("\\fB" + Docs.escape(name) + "\\fR"), name + " missing");
            }
        }
        assertTrue(man.contains("IF_EXOSCALE_METRICS_ADDRESS"), "variables are named");
        assertTrue(!man.contains("${DEFAULT-VALUE}"), "defaults are filled in");
        for (String line : man.split("\n")) {
            assertTrue(!line.startsWith(".") || line.matches("\\.(\\\\\"|TH|SH|TP|PP|br|nf|fi|RS|RE)( .*)?"),
                    "unknown request: " + line);
        }
    }

    @Test
    void escapesTroff() {
        assertEquals("\\-xi", Docs.escape("-xi"));
        assertEquals("\\&.hidden", Docs.escape(".hidden"));
        assertEquals("a\\eb", Docs.escape("a\\b"));
    }

    @Test
    void writesTheThreeFiles() throws Exception {
        Docs.main(new String[] {out.toString()});
        assertTrue(Files.size(out.resolve("exoip.1.gz")) > 500);
        assertTrue(Files.readString(out.resolve("exoip")).contains("complete -F"), "a bash completion script");
        assertTrue(Files.readString(out.resolve("exoip.1")).contains("\\-\\-metrics\\-address"));
    }
}

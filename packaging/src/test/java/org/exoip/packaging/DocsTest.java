package org.exoip.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.time.Instant;
import java.util.zip.GZIPInputStream;
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
    void theManPageAndTheCompletionKnowHandoverAndInfo() {
        CommandLine cmd = ExoipCommand.commandLine();
        String man = Docs.manPage(cmd.getCommandSpec(), "exoip 1.2.3");
        for (String name : List.of("handover", "info")) {
            CommandLine sub = cmd.getSubcommands().get(name);
            assertTrue(man.contains(".TP\n\\fB" + name + "\\fR\n"), name + " under SUBCOMMANDS");
            for (OptionSpec option : sub.getCommandSpec().options()) {
                if (!option.usageHelp() && !option.versionHelp()) {
                    assertTrue(man.contains("\\fB" + Docs.escape(option.longestName()) + "\\fR"),
                            name + " " + option.longestName() + " missing");
                }
            }
        }
        assertTrue(man.contains("from another, sign it with the advert key"), "the security rule in EXAMPLES");
        assertTrue(man.contains(Docs.escape("only from this host (127.0.0.1, ::1 or its own")),
                "the security rule under SUBCOMMANDS");
        String completion = Docs.completion(cmd);
        for (String word : List.of("handover", "info", "--release", "--hold", "--to", "--json")) {
            assertTrue(completion.contains(word), word + " missing from the completion");
        }
    }

    @Test
    void escapesTroff() {
        assertEquals("\\-xi", Docs.escape("-xi"));
        assertEquals("\\&.hidden", Docs.escape(".hidden"));
        assertEquals("a\\eb", Docs.escape("a\\b"));
    }

    @Test
    void writesTheFiles() throws Exception {
        Docs.main(new String[] {out.toString()});
        assertTrue(Files.size(out.resolve("exoip.1.gz")) > 500);
        String completion = Files.readString(out.resolve("exoip"));
        assertTrue(completion.contains("complete -F"), "a bash completion script");
        assertFalse(completion.startsWith("#!"), "sourced, never run: no #! line");
        assertTrue(Files.readString(out.resolve("exoip.1")).contains("\\-\\-metrics\\-address"));
        try (InputStream in = new GZIPInputStream(Files.newInputStream(out.resolve("changelog.gz")))) {
            assertTrue(new String(in.readAllBytes(), StandardCharsets.UTF_8).startsWith("exoip ("));
        }
    }

    @Test
    void gzipsAtTheBestCompressionAndSaysSo() throws Exception {
        byte[] gz = Docs.gzip("text ".repeat(100));
        assertEquals(2, gz[8], "XFL: best compression, which lintian reads through file(1)");
        assertEquals(3, gz[9], "OS: Unix");
        assertEquals(0, gz[4] | gz[5] | gz[6] | gz[7], "no time stamp");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertEquals("text ".repeat(100), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void theChangelogIsDebians() {
        String changelog = Docs.changelog("exoip 1.2.0-SNAPSHOT", Instant.parse("2026-12-01T19:00:00.123Z"));
        assertTrue(changelog.startsWith("exoip (1.2.0~SNAPSHOT) unstable; urgency=medium\n\n  * "), changelog);
        assertTrue(changelog.endsWith("\n -- exoip maintainers <maintainers@users.noreply.github.com>  "
                + "Tue, 1 Dec 2026 19:00:00 +0000\n"), changelog);
    }

    @Test
    void theManPageNamesReadinessReloadTheNegatedFlagAndEveryExample() throws Exception {
        String man = Docs.manPage(ExoipCommand.commandLine().getCommandSpec(), "exoip 1.2.3");
        assertTrue(man.contains("/readyz"), "--metrics-address serves /readyz too");
        assertTrue(man.contains("\\fBSIGHUP\\fR"), "SIGHUP under SIGNALS");
        assertTrue(man.contains("\\fB\\-\\-crash\\-probe\\fR, \\fB\\-\\-no\\-crash\\-probe\\fR"), "--no-crash-probe");
        // Every file the package puts in /usr/share/doc/exoip/examples/ (pom.xml: this folder and
        // docs/standin-example.json), in the man page's FILES and in README's package table.
        java.util.Set<String> shipped = new java.util.TreeSet<>();
        try (var files = Files.list(Path.of("src/deb/files/examples"))) {
            files.forEach(f -> shipped.add(f.getFileName().toString()));
        }
        shipped.add("standin-example.json");
        assertEquals(shipped, new java.util.TreeSet<>(Docs.EXAMPLES.keySet()));
        String packageRow = Files.readString(Path.of("../README.md")).lines()
                .filter(l -> l.startsWith("| `/usr/share/doc/exoip/examples/` |")).findFirst().orElseThrow();
        for (String example : shipped) {
            assertTrue(man.contains("\\fB" + Docs.escape(example) + "\\fR"), example + " missing in FILES");
            assertTrue(packageRow.contains("`" + example + "`"), example + " missing in README: " + packageRow);
        }
    }

    @Test
    void theManPageSaysWhatTheReadmeSays() throws Exception {
        String man = Docs.manPage(ExoipCommand.commandLine().getCommandSpec(), "exoip 1.2.3");
        assertFalse(man.contains("docs/standin.md"), "not shipped: the package has /usr/share/doc/exoip/standin.md");
        assertTrue(man.contains(".TP\n\\fB2\\fR\na usage error"), "exit status 2 for usage errors, as README says");
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains("`2` a usage error"), "README's exit codes");
    }
}

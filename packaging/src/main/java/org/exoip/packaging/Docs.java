package org.exoip.packaging;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.exoip.cli.ExoipCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes exoip's man page (troff, gzipped) and bash completion from the picocli model of the
 * command, so that both say exactly what {@code exoip -h} says. Run by the build of the Debian
 * package: {@code Docs OUTPUT_DIR} writes {@code exoip.1}, {@code exoip.1.gz} and {@code exoip}.
 */
public final class Docs {

    /** Offsets and values in a gzip header (RFC 1952). */
    private static final int GZIP_XFL = 8;
    private static final int GZIP_OS = 9;
    private static final byte GZIP_XFL_BEST = 2;
    private static final byte GZIP_OS_UNIX = 3;

    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/generated-docs"));
        CommandLine cmd = ExoipCommand.commandLine();
        String man = manPage(cmd.getCommandSpec(), version(cmd));
        Files.writeString(out.resolve("exoip.1"), man, StandardCharsets.UTF_8);
        Files.write(out.resolve("exoip.1.gz"), gzip(man));
        Files.write(out.resolve("changelog.gz"), gzip(changelog(version(cmd), Instant.now())));
        Files.writeString(out.resolve("exoip"), completion(cmd), StandardCharsets.UTF_8);
    }

    /**
     * Gzip at the best compression, marked so in the header (XFL 2), with no time stamp: what
     * Debian wants of a man page or a changelog. Java's GZIPOutputStream writes XFL 0 whatever
     * the level, and lintian reads the header.
     */
    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        byte[] gzipped = bytes.toByteArray();
        gzipped[GZIP_XFL] = GZIP_XFL_BEST;
        gzipped[GZIP_OS] = GZIP_OS_UNIX;
        return gzipped;
    }

    /**
     * The Debian changelog of this native package: one entry for the version being built, which
     * points to where the changes are told.
     */
    static String changelog(String version, Instant when) {
        String debianVersion = version.replaceFirst("^exoip ", "").replace('-', '~');
        return "exoip (" + debianVersion + ") unstable; urgency=medium\n\n"
                + "  * Built from the exoip for Java sources. Its changes from the Go exoip are\n"
                + "    listed in its README (\"What changed from the original\"), the rest in its\n"
                + "    version history.\n\n"
                + " -- exoip maintainers <maintainers@users.noreply.github.com>  "
                + DateTimeFormatter.RFC_1123_DATE_TIME.format(when.atOffset(ZoneOffset.UTC)
                        .truncatedTo(ChronoUnit.SECONDS)).replace("GMT", "+0000") + "\n";
    }

    /** picocli's bash completion, without the #! line: bash-completion sources the file, never runs it. */
    static String completion(CommandLine cmd) {
        String script = AutoComplete.bash("exoip", cmd);
        return script.startsWith("#!") ? script.substring(script.indexOf('\n') + 1) : script;
    }

    static String version(CommandLine cmd) {
        String[] lines = cmd.getCommandSpec().version();
        String first = lines.length == 0 ? "exoip" : lines[0];
        return first.split(" \\(")[0];
    }

    /** The files of /usr/share/doc/exoip/examples/, as the package lays them out, and what each is. */
    static final Map<String, String> EXAMPLES = examples();

    private static Map<String, String> examples() {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("eth0.env", "the settings of exoip@eth0.service");
        e.put("51-exoip.yaml", "the Elastic IP on the loopback, for netplan");
        e.put("interfaces", "an ifupdown stanza");
        e.put("cloud-init.yaml", "cloud\\-init user data");
        e.put("standin-example.json", "a world for exoip standin");
        return Collections.unmodifiableMap(e);
    }

    /** The man page, troff with the man macros. */
    static String manPage(CommandSpec spec, String version) {
        StringBuilder m = new StringBuilder();
        m.append(".\\\" Generated from the picocli model of exoip by org.exoip.packaging.Docs; do not edit.\n");
        m.append(".TH EXOIP 1 \"\" \"").append(escape(version)).append("\" \"User Commands\"\n");
        m.append(".SH NAME\nexoip \\- ").append(escape(lowerFirst(String.join(" ", spec.usageMessage().header()))))
                .append('\n');
        m.append(".SH SYNOPSIS\n");
        for (String line : spec.usageMessage().customSynopsis()) {
            m.append(".br\n").append(escape(line.strip())).append('\n');
        }
        m.append(".SH DESCRIPTION\n");
        for (String line : spec.usageMessage().description()) {
            m.append(escape(line)).append('\n');
        }
        m.append(".PP\nexoip is the successor of the Go program of the same name: its flags, IF_* variables, advert ")
                .append("format and signals are the original's. Exactly one of \\fB\\-A\\fR, \\fB\\-D\\fR and ")
                .append("\\fB\\-W\\fR is required.\n");
        m.append(".SH OPTIONS\n");
        for (OptionSpec option : spec.options()) {
            m.append(".TP\n").append(optionHead(option)).append('\n');
            m.append(escape(description(option))).append('\n');
        }
        m.append(".SH SUBCOMMANDS\n");
        spec.subcommands().forEach((name, sub) -> {
            CommandSpec subSpec = sub.getCommandSpec();
            m.append(".TP\n\\fB").append(escape(name)).append("\\fR\n")
                    .append(escape(String.join(" ", subSpec.usageMessage().description()))).append('\n');
            // Its own options too (the help subcommand and -h/-V aside): the page is the reference.
            List<OptionSpec> own = subSpec.options().stream().filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
            if (!own.isEmpty()) {
                m.append(".RS\n");
                for (PositionalParamSpec positional : subSpec.positionalParameters()) {
                    m.append(".TP\n\\fI").append(escape(positional.paramLabel())).append("\\fR\n")
                            .append(escape(String.join(" ", positional.description()).replace("${DEFAULT-VALUE}",
                                    String.valueOf(positional.defaultValue())))).append('\n');
                }
                for (OptionSpec option : own) {
                    m.append(".TP\n").append(optionHead(option)).append('\n')
                            .append(escape(description(option))).append('\n');
                }
                m.append(".RE\n");
            }
        });
        m.append(".SH EXIT STATUS\n");
        spec.usageMessage().exitCodeList().forEach((code, meaning) -> m.append(".TP\n\\fB").append(escape(code.strip()))
                .append("\\fR\n").append(escape(meaning)).append('\n'));
        m.append(".SH SIGNALS\n.TP\n\\fBSIGUSR1\\fR, \\fBSIGUSR2\\fR\nPriority value \\-1 (higher rank) or +1, ")
                .append("bounded to 0..255, in the very next advert.\n")
                .append(".TP\n\\fBSIGTERM\\fR, \\fBSIGINT\\fR\nA master hands the Elastic IP over, then exits 0 ")
                .append("(1 when it could not detach it, said on standard error too); any other node exits 0 at once. ")
                .append("The process names itself exoip, so \\fBpgrep \\-x exoip\\fR finds it; stop one watchdog by ")
                .append("its PID file (\\fBstart\\-stop\\-daemon \\-\\-stop \\-\\-pidfile\\fR \\fIFILE\\fR, or ")
                .append("\\fBkill $(cat\\fR \\fIFILE\\fR\\fB)\\fR): \\fBkillall exoip\\fR, the original's way, ")
                .append("stops every exoip on the host.\n")
                .append(".TP\n\\fBSIGHUP\\fR\nReload, never a stop: re\\-reads the API secret (from ")
                .append("\\fB\\-\\-api\\-secret\\-file\\fR or its variable) and the advert key files, re\\-resolves ")
                .append("the peers at once, and logs what changed; a file that became unreadable or invalid is logged ")
                .append("and the value in use kept. Options need a restart.\n");
        m.append(".SH OWNERSHIP\n")
                .append("A node attaches the Elastic IP only while it is master, undoes at once an attach made for a ")
                .append("moment only, and detaches another holder only while it holds the address itself. After a ")
                .append("stall of its own (stopped, paused: logged as \\(lqThis node stalled\\(rq) it gives its peers ")
                .append("one more interval to be heard before judging any. Each takeover writes a claim in the ")
                .append("Elastic IP's labels (\\fBexoip\\-claim\\fR, through \\fBupdate\\-elastic\\-ip\\fR, which the API ")
                .append("key's role must allow) and reads it back; nodes that cannot hear each other yield to the ")
                .append("last claim instead of detaching each other. See README.md, \\(lqHow ownership works\\(rq.\n");
        m.append(".SH FILES\n")
                .append(".TP\n/etc/exoip/\\fIINSTANCE\\fR.env\nThe IF_* variables of the systemd unit ")
                .append("\\fBexoip@\\fR\\fIINSTANCE\\fR\\fB.service\\fR (mode 0600).\n")
                .append(".TP\n/etc/exoip/\\fIINSTANCE\\fR.secret\nThe API secret of that unit, on its first line ")
                .append("(mode 0600): systemd hands it to exoip as the credential api\\-secret, which exoip reads ")
                .append("when neither \\fB\\-xs\\fR nor \\fB\\-\\-api\\-secret\\-file\\fR is given.\n")
                .append(".TP\n/usr/share/doc/exoip/standin.md\nThe stand\\-in Exoscale API of ")
                .append("\\fBexoip standin\\fR.\n")
                .append(".TP\n/usr/share/doc/exoip/examples/\nThe recipes: ")
                .append(EXAMPLES.entrySet().stream().map(e -> "\\fB" + escape(e.getKey()) + "\\fR (" + e.getValue() + ")")
                        .collect(Collectors.joining(", ")))
                .append(".\n")
                .append(".TP\n/var/cache/exoip/exoip.jsa\nThe class-data-sharing archive made at installation; it ")
                .append("shortens the start-up of \\fB\\-A\\fR and \\fB\\-D\\fR.\n");
        m.append(".SH EXAMPLES\n")
                .append(".PP\nSee the configuration without changing anything:\n.PP\n.nf\n.RS\n")
                .append("exoip \\-A \\-n \\-xi 198.51.100.50 \\-xk EXO... \\-\\-api\\-secret\\-file /etc/exoip/secret\n")
                .append(".RE\n.fi\n")
                .append(".PP\nA watchdog under systemd, its settings in /etc/exoip/eth0.env and eth0.secret:\n.PP\n.nf\n.RS\n")
                .append("systemctl enable \\-\\-now exoip@eth0\n.RE\n.fi\n")
                .append(".PP\nMove the Elastic IP away from a node whose HAProxy stops answering (FAULT), and drain ")
                .append("a node for maintenance:\n.PP\n.nf\n.RS\n")
                .append("IF_EXOIP_CHECK_HTTP='http://127.0.0.1:8404/healthz interval=1s fall=2 rise=2'\n")
                .append("IF_EXOIP_TRACK_FILE=/run/exoip\\-maintenance\n")
                .append("echo 255 > /run/exoip\\-maintenance\n.RE\n.fi\n")
                .append(".PP\nIts state, from any peer (or \\fBecho \\-n info | nc \\-4u \\-w1 192.0.2.11 12345\\fR):\n")
                .append(".PP\n.nf\n.RS\nexoip info 192.0.2.11\nexoip info \\-\\-json 192.0.2.11\n.RE\n.fi\n")
                .append(".PP\nMove the Elastic IP off this host's node before a reboot, and wait until the API shows ")
                .append("the new holder alone; the node stays out of the election until released or restarted. ")
                .append("From this host the request needs no key; from another, sign it with the advert key:\n")
                .append(".PP\n.nf\n.RS\nexoip handover\nexoip handover \\-\\-release\n")
                .append("exoip handover \\-\\-node 192.0.2.11 \\-\\-auth\\-key\\-file /etc/exoip/advert.key\n.RE\n.fi\n");
        m.append(".SH SEE ALSO\n\\fBsystemctl\\fR(1), \\fBinterfaces\\fR(5), \\fBstart\\-stop\\-daemon\\fR(8), ")
                .append("\\fBpgrep\\fR(1), \\fBkillall\\fR(1)\n");
        return m.toString();
    }

    private static String optionHead(OptionSpec option) {
        StringBuilder head = new StringBuilder();
        List<String> names = List.of(option.names());
        for (int i = 0; i < names.size(); i++) {
            head.append(i == 0 ? "" : ", ").append("\\fB").append(escape(names.get(i))).append("\\fR");
        }
        if (option.negatable()) {
            // --no-crash-probe: picocli accepts it, and the page must name it too.
            for (String name : names) {
                head.append(", \\fB").append(escape(negated(name))).append("\\fR");
            }
        }
        if (option.arity().max() > 0) {
            head.append(" \\fI").append(escape(option.paramLabel())).append("\\fR");
        }
        return head.toString();
    }

    /** A negatable option's negative form, as picocli spells it: --crash-probe becomes --no-crash-probe. */
    private static String negated(String name) {
        return name.startsWith("--no-") ? "--" + name.substring(5) : name.replaceFirst("^--", "--no-");
    }

    private static String description(OptionSpec option) {
        String text = String.join(" ", option.description());
        String fallback = option.defaultValue() == null ? "none" : option.defaultValue();
        return text.replace("${DEFAULT-VALUE}", fallback);
    }

    private static String lowerFirst(String text) {
        return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }

    /** Text safe in a troff line: backslashes and hyphens escaped, no line starting with a control character. */
    static String escape(String text) {
        String escaped = text.replace("\\", "\\e").replace("-", "\\-");
        if (escaped.startsWith(".") || escaped.startsWith("'")) {
            escaped = "\\&" + escaped;
        }
        return escaped;
    }
}

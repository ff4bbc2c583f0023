package org.exoip.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.ApiCallListener;
import org.exoip.health.CheckSpec;
import org.exoip.health.HealthMonitor;
import org.exoip.health.NodeHealth;
import org.exoip.health.ProcessGroup;
import org.exoip.health.TrackFile;
import org.exoip.notify.NotifyHooks;
import org.exoip.watchdog.LivenessTracker;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The health options, a picocli mixin of {@link ExoipCommand}: checks ({@code --check-exec},
 * {@code --check-tcp}, {@code --check-http}, repeatable), the user exec checks run as, and the track
 * file. A check is one value, its target then its knobs: {@code 'http://127.0.0.1:8404/healthz
 * interval=1s fall=2 rise=2 fault'}. Each kind also comes from {@code IF_EXOIP_CHECK_EXEC} (and
 * {@code _2} to {@code _9} for more), likewise {@code _TCP} and {@code _HTTP}; a kind given on the
 * command line ignores its variables. A bad check is a usage error naming the option or variable.
 */
final class HealthOptions {

    private static final Logger LOG = LogManager.getLogger(HealthOptions.class);
    static final String USER_OPTION = "--check-user";
    static final String TRACK_OPTION = "--track-file";
    static final String NOTIFY_OPTION = "--notify";
    static final Duration DEFAULT_NOTIFY_TIMEOUT = Duration.ofSeconds(30);
    /** How many numbered variables ({@code IF_EXOIP_CHECK_HTTP_2} ...) are read after the plain one. */
    static final int MAX_NUMBERED = 9;
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    static final int DEFAULT_RISE = 2;
    static final int DEFAULT_FALL = 2;
    static final String KNOBS = "interval=DURATION timeout=DURATION rise=N fall=N, then fault or weight=N, "
            + "init-fail or init-ok";

    @Option(names = "--check-exec", paramLabel = "'COMMAND [KNOB...]'",
            description = "With -W, a health check: run COMMAND (no shell; write sh -c '...' for one), passing when "
                    + "it exits 0. Knobs: " + KNOBS + " (env: IF_EXOIP_CHECK_EXEC, _2.._9). Repeatable.")
    List<String> execChecks = new ArrayList<>();

    @Option(names = "--check-tcp", paramLabel = "'HOST:PORT [KNOB...]'",
            description = "With -W, a health check passing when a TCP connection to HOST:PORT is accepted "
                    + "(env: IF_EXOIP_CHECK_TCP, _2.._9). Repeatable.")
    List<String> tcpChecks = new ArrayList<>();

    @Option(names = "--check-http", paramLabel = "'URL [KNOB...]'",
            description = "With -W, a health check passing on a 2xx answer to GET URL, redirects not followed "
                    + "(env: IF_EXOIP_CHECK_HTTP, _2.._9). Repeatable. Defaults: interval=1s, timeout=the interval, "
                    + "rise=2, fall=2, fault, init-fail.")
    List<String> httpChecks = new ArrayList<>();

    @Option(names = USER_OPTION, paramLabel = "USER",
            description = "The user exec checks run as when exoip runs as root (env: IF_EXOIP_CHECK_USER; "
                    + "default: nobody; 'root' to keep root).")
    String checkUser;

    @Option(names = NOTIFY_OPTION, paramLabel = "'COMMAND [timeout=DURATION]'",
            description = "With -W, run COMMAND (no shell) on each change of role and when this node's attach or "
                    + "detach completes, the event (MASTER, BACKUP, FAULT, STOPPING, ATTACHED, DETACHED) as its last "
                    + "argument and EXOIP_* variables; one at a time, in order, the newest role winning; output "
                    + "logged (env: IF_EXOIP_NOTIFY; default timeout: 30s).")
    String notify;

    @Option(names = TRACK_OPTION, paramLabel = "PATH",
            description = "With -W, a file whose whole number (-255..255) is added to the priority, re-read on change;"
                    + " no file counts as 0, an unusable one faults the node; 255 drains it "
                    + "(env: IF_EXOIP_TRACK_FILE).")
    Path trackFile;

    private List<CheckSpec> specs = List.of();
    private List<String> notifyCommand = List.of();
    private Duration notifyTimeout = DEFAULT_NOTIFY_TIMEOUT;
    /** The hooks of this run, once made; told of this node's attach and detach calls. */
    private volatile NotifyHooks hooks;
    private Optional<ProcessGroup.RunAs> runAs = Optional.empty();

    /**
     * Parses and checks the checks and the track file for watchdog mode (other modes ignore them).
     *
     * @throws ParameterException naming the option or variable of a bad check, an unknown user, or a
     *     missing {@code setsid}
     */
    void check(CommandLine cmd, Map<String, String> environment, Mode mode) {
        if (mode != Mode.WATCH) {
            return;
        }
        List<CheckSpec> parsed = new ArrayList<>();
        parse(cmd, environment, CheckSpec.Kind.EXEC, execChecks, parsed);
        parse(cmd, environment, CheckSpec.Kind.TCP, tcpChecks, parsed);
        parse(cmd, environment, CheckSpec.Kind.HTTP, httpChecks, parsed);
        for (int i = 0; i < parsed.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (parsed.get(i).name().equals(parsed.get(j).name())) {
                    throw new ParameterException(cmd, "The check '" + parsed.get(i).name() + "' is given twice "
                            + "(expected each check once; give one its knobs)");
                }
            }
        }
        specs = List.copyOf(parsed);
        if (notify != null && !notify.isBlank()) {
            parseNotify(cmd);
        }
        if (specs.stream().anyMatch(s -> s.kind() == CheckSpec.Kind.EXEC)) {
            needProgram(cmd, "setsid", "--check-exec runs each command in a process group of its own");
            runAs = user(cmd);
            runAs.ifPresent(u -> needProgram(cmd, "setpriv", "--check-exec runs its commands as " + u.name()));
        }
    }

    private static void parse(CommandLine cmd, Map<String, String> environment, CheckSpec.Kind kind,
            List<String> values, List<CheckSpec> out) {
        if (!values.isEmpty()) {
            for (String value : values) {
                try {
                    out.add(CheckSyntax.parse(kind, value));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(cmd, "Invalid value for option '" + kind.option() + "': "
                            + e.getMessage());
                }
            }
            return;
        }
        for (String variable : variables(kind)) {
            String value = environment.get(variable);
            if (value == null || value.isBlank()) {
                continue;
            }
            try {
                out.add(CheckSyntax.parse(kind, value.trim()));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "Invalid value for " + variable + " (from the environment): "
                        + e.getMessage());
            }
        }
    }

    private void parseNotify(CommandLine cmd) {
        String source = EnvironmentDefaults.of(cmd).map(d -> d.source(cmd.getCommandSpec().findOption(NOTIFY_OPTION)))
                .map(s -> s.startsWith("-") ? "option '" + s + "'" : s).orElse("option '" + NOTIFY_OPTION + "'");
        try {
            List<String> words = new ArrayList<>(CheckSyntax.words(notify));
            if (words.size() > 1 && words.get(words.size() - 1).startsWith("timeout=")) {
                String knob = words.remove(words.size() - 1);
                notifyTimeout = CheckSyntax.duration(knob, knob.substring("timeout=".length()));
            }
            if (words.isEmpty()) {
                throw new IllegalArgumentException("no command (expected e.g. '/etc/exoip/notify.sh timeout=10s')");
            }
            notifyCommand = List.copyOf(words);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "Invalid value for " + source + ": " + e.getMessage());
        }
        needProgram(cmd, "setsid", NOTIFY_OPTION + " runs its command in a process group of its own");
    }

    /**
     * The notify hooks of this run, started; null without {@code --notify}. The caller tells them of
     * the engine's transitions; this node's attach and detach reach them through {@link #apiCalls}.
     */
    NotifyHooks notifyHooks(String elasticIp, UUID self, IntSupplier priority) throws IOException {
        if (notifyCommand.isEmpty()) {
            return null;
        }
        hooks = new NotifyHooks(notifyCommand, notifyTimeout, elasticIp, self, priority, self.toString());
        return hooks;
    }

    /** {@code first}, then the notify hooks once they exist: the API calls' listener. */
    ApiCallListener apiCalls(ApiCallListener first) {
        return new ApiCallListener() {
            @Override
            public void called(String operation, UUID instance, Outcome outcome, long nanos) {
                called(null, operation, instance, outcome, nanos);
            }

            @Override
            public void called(java.net.Inet4Address elasticIp, String operation, UUID instance, Outcome outcome,
                    long nanos) {
                first.called(elasticIp, operation, instance, outcome, nanos);
                NotifyHooks h = hooks;
                if (h != null) {
                    h.called(elasticIp, operation, instance, outcome, nanos);
                }
            }
        };
    }

    /** {@code IF_EXOIP_CHECK_HTTP}, then {@code IF_EXOIP_CHECK_HTTP_2} to {@code _9}. */
    static List<String> variables(CheckSpec.Kind kind) {
        String base = "IF_EXOIP_CHECK_" + kind.name();
        List<String> names = new ArrayList<>(List.of(base));
        for (int i = 2; i <= MAX_NUMBERED; i++) {
            names.add(base + "_" + i);
        }
        return names;
    }

    /** Whom exec checks run as: nobody (or --check-user) when root; this process's user otherwise. */
    private Optional<ProcessGroup.RunAs> user(CommandLine cmd) {
        String source = EnvironmentDefaults.of(cmd).map(d -> d.source(cmd.getCommandSpec().findOption(USER_OPTION)))
                .orElse(USER_OPTION);
        if (!ProcessGroup.runningAsRoot()) {
            if (checkUser != null) {
                throw new ParameterException(cmd, source + " needs exoip to run as root (it runs as "
                        + System.getProperty("user.name") + "; exec checks run as that user)");
            }
            return Optional.empty();
        }
        String user = checkUser == null ? "nobody" : checkUser.trim();
        if (user.equals("root")) {
            return Optional.empty();
        }
        try {
            return Optional.of(ProcessGroup.RunAs.lookUp(user));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "Invalid value for " + source + ": " + e.getMessage()
                    + " (expected a user that exists, e.g. nobody)");
        } catch (IOException e) {
            throw new ParameterException(cmd, "Cannot look up the user of " + source + " ('" + user + "'): "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ParameterException(cmd, "Interrupted while looking up " + user);
        }
    }

    private static void needProgram(CommandLine cmd, String program, String why) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return;
            }
        }
        throw new ParameterException(cmd, why + ", which needs '" + program + "' (util-linux) on PATH: "
                + "install util-linux");
    }

    /** The monitor of this run, not started; null when no check and no track file are configured. */
    HealthMonitor monitor(String node) throws IOException {
        if (specs.isEmpty() && trackFile == null) {
            return null;
        }
        return new HealthMonitor(specs, Optional.ofNullable(trackFile).map(TrackFile::new), runAs, node,
                System::nanoTime);
    }

    /** What the engine follows: the monitor, or nothing. */
    static NodeHealth of(HealthMonitor monitor) {
        return monitor == null ? NodeHealth.NONE : monitor;
    }

    /**
     * Warns, once, when this node first becomes master, about each weight check that cannot change the
     * master (its weight smaller than the gap to the best alive peer). On the event loop; logs only.
     */
    static void warnUselessWeights(WatchdogEngine engine, HealthMonitor monitor) {
        if (monitor == null || !monitor.hasWeights()) {
            return;
        }
        AtomicBoolean warned = new AtomicBoolean();
        engine.addTransitionListener(t -> {
            if (t.to().role() != Role.MASTER || !t.roleChanged() || warned.getAndSet(true)) {
                return;
            }
            int priority = engine.priority();
            engine.peerStatuses().thenAccept(peers -> {
                OptionalInt best = peers.stream().filter(LivenessTracker.PeerStatus::alive)
                        .mapToInt(LivenessTracker.PeerStatus::priority).filter(p -> p >= 0 && p < 255).min();
                monitor.uselessWeights(priority, best).forEach(LOG::warn);
            });
        });
    }

    /** The lines these options add to {@code -n} and {@code -v}. */
    String describe() {
        StringBuilder out = new StringBuilder();
        if (specs.isEmpty()) {
            out.append("checks:             none\n");
        }
        for (CheckSpec s : specs) {
            out.append(String.format(Locale.ROOT, "check:              %s: %s, every %s, timeout %s, rise %d, fall %d, "
                    + "%s%n", s.name(), s.action(), s.interval().toMillis() + "ms", s.timeout().toMillis() + "ms",
                    s.rise(), s.fall(), s.initFail() ? "init-fail" : "init-ok"));
        }
        if (specs.stream().anyMatch(s -> s.kind() == CheckSpec.Kind.EXEC)) {
            out.append("exec checks run as: ").append(runAs.map(ProcessGroup.RunAs::name).orElse(
                    System.getProperty("user.name"))).append('\n');
        }
        out.append("track file:         ").append(trackFile == null ? "none" : trackFile.toString()).append('\n');
        out.append("notify:             ").append(notifyCommand.isEmpty() ? "none" : String.join(" ", notifyCommand)
                + " (timeout " + notifyTimeout.toMillis() + "ms)").append('\n');
        return out.toString();
    }

    /** The text of one check: its target, then its knobs. Pure; messages say what was expected. */
    static final class CheckSyntax {

        private CheckSyntax() {
        }

        static CheckSpec parse(CheckSpec.Kind kind, String text) {
            List<String> words = words(text);
            Duration interval = DEFAULT_INTERVAL;
            Duration timeout = null;
            int rise = DEFAULT_RISE;
            int fall = DEFAULT_FALL;
            Boolean initFail = null;
            Integer weight = null;
            // Knobs are the trailing words that are knobs; what comes before is the target.
            int end = words.size();
            while (end > 1 && isKnob(words.get(end - 1))) {
                String knob = words.get(--end);
                String name = knob.contains("=") ? knob.substring(0, knob.indexOf('=')) : knob;
                String value = knob.contains("=") ? knob.substring(knob.indexOf('=') + 1) : "";
                switch (name) {
                    case "interval" -> interval = duration(knob, value);
                    case "timeout" -> timeout = duration(knob, value);
                    case "rise" -> rise = count(knob, value);
                    case "fall" -> fall = count(knob, value);
                    case "weight" -> weight = once(weight, knob, weight(knob, value));
                    case "fault" -> weight = once(weight, knob, 0);
                    case "init-fail" -> initFail = once(initFail, knob, true);
                    case "init-ok" -> initFail = once(initFail, knob, false);
                    default -> throw new IllegalStateException(name);
                }
            }
            List<String> target = words.subList(0, end);
            if (target.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has no " + what(kind) + " (expected " + example(kind)
                        + ")");
            }
            if (kind != CheckSpec.Kind.EXEC && target.size() > 1) {
                throw new IllegalArgumentException("'" + target.get(1) + "' in '" + text + "' is not a knob (expected "
                        + what(kind) + " then " + KNOBS + ")");
            }
            String shown = kind == CheckSpec.Kind.EXEC ? String.join(" ", target) : target.get(0);
            if (kind == CheckSpec.Kind.TCP) {
                hostPort(shown);
            } else if (kind == CheckSpec.Kind.HTTP) {
                url(shown);
            }
            return new CheckSpec(kind, shown, kind == CheckSpec.Kind.EXEC ? target : List.of(), interval,
                    timeout == null ? interval : timeout, rise, fall, initFail == null || initFail,
                    weight == null ? 0 : weight);
        }

        private static boolean isKnob(String word) {
            return word.equals("fault") || word.equals("init-fail") || word.equals("init-ok")
                    || word.matches("(interval|timeout|rise|fall|weight)=.*");
        }

        private static <T> T once(T before, String knob, T value) {
            if (before != null) {
                throw new IllegalArgumentException("'" + knob + "' conflicts with another knob of the same check "
                        + "(expected one of fault or weight=N, one of init-fail or init-ok)");
            }
            return value;
        }

        static Duration duration(String knob, String value) {
            Duration d;
            try {
                d = Converters.duration(value);
            } catch (TypeConversionException e) {
                throw new IllegalArgumentException(knob + ": " + e.getMessage());
            }
            if (d.compareTo(CheckSpec.MIN_INTERVAL) < 0) {
                throw new IllegalArgumentException(knob + ": shorter than the minimum of 10ms");
            }
            return d;
        }

        private static int count(String knob, String value) {
            int n = number(knob, value, "a count from 1 to " + CheckSpec.MAX_COUNT);
            if (n < 1 || n > CheckSpec.MAX_COUNT) {
                throw new IllegalArgumentException(knob + ": expected a count from 1 to " + CheckSpec.MAX_COUNT);
            }
            return n;
        }

        private static int weight(String knob, String value) {
            String expected = "a whole number from 1 to " + CheckSpec.MAX_WEIGHT + ", added to the priority value "
                    + "while the check fails (lower wins, so the node drops back), or 'fault'";
            int n = number(knob, value, expected);
            if (n < 0 || n > CheckSpec.MAX_WEIGHT) {
                throw new IllegalArgumentException(knob + ": expected " + expected);
            }
            return n;
        }

        private static int number(String knob, String value, String expected) {
            try {
                return Integer.parseInt(value.startsWith("+") ? value.substring(1) : value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(knob + ": expected " + expected);
            }
        }

        private static void hostPort(String target) {
            int colon = target.lastIndexOf(':');
            String expected = " (expected HOST:PORT, e.g. 127.0.0.1:80)";
            if (colon <= 0 || colon == target.length() - 1) {
                throw new IllegalArgumentException("'" + target + "' is not HOST:PORT" + expected);
            }
            try {
                int port = Integer.parseInt(target.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + target.substring(colon + 1) + "' is not a port from 1 to "
                        + "65535" + expected);
            }
        }

        private static void url(String target) {
            try {
                URI uri = new Converters.HttpUrl().convert(target);
                if (uri.getHost() == null) {
                    throw new TypeConversionException(target);
                }
            } catch (TypeConversionException e) {
                throw new IllegalArgumentException("'" + target + "' is not an http(s) URL (expected e.g. "
                        + "http://127.0.0.1:8404/healthz)");
            }
        }

        private static String what(CheckSpec.Kind kind) {
            return switch (kind) {
                case EXEC -> "command";
                case TCP -> "HOST:PORT";
                case HTTP -> "URL";
            };
        }

        private static String example(CheckSpec.Kind kind) {
            return switch (kind) {
                case EXEC -> "e.g. 'pidof haproxy interval=2s fault'";
                case TCP -> "e.g. '127.0.0.1:80 fall=3'";
                case HTTP -> "e.g. 'http://127.0.0.1:8404/healthz weight=50'";
            };
        }

        /** Splits like a shell, without expansions: blanks separate, quotes group, backslash escapes. */
        static List<String> words(String text) {
            List<String> words = new ArrayList<>();
            StringBuilder word = new StringBuilder();
            boolean inWord = false;
            char quote = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (quote != 0) {
                    if (c == quote) {
                        quote = 0;
                    } else if (c == '\\' && quote == '"' && i + 1 < text.length()) {
                        word.append(text.charAt(++i));
                    } else {
                        word.append(c);
                    }
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    inWord = true;
                } else if (c == '\\' && i + 1 < text.length()) {
                    word.append(text.charAt(++i));
                    inWord = true;
                } else if (Character.isWhitespace(c)) {
                    if (inWord) {
                        words.add(word.toString());
                        word.setLength(0);
                        inWord = false;
                    }
                } else {
                    word.append(c);
                    inWord = true;
                }
            }
            if (quote != 0) {
                throw new IllegalArgumentException("'" + text + "' has an unclosed " + quote + " (expected words, "
                        + "quoted with ' or \" where they hold blanks)");
            }
            if (inWord) {
                words.add(word.toString());
            }
            return words;
        }
    }
}

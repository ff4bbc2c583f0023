package org.exoip.health;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command in a process group of its own and makes sure nothing of it outlives its run: the
 * check commands and the notify hooks.
 *
 * <p>Java cannot call {@code setpgid} before {@code exec}, so the command runs under util-linux's
 * {@code setsid}: a child of the JVM is no group leader, so {@code setsid} makes itself one without
 * forking and then execs the command, whose pid is therefore the group's id. On a timeout the whole
 * group gets SIGTERM, then SIGKILL {@link #KILL_GRACE} later, as keepalived does to its scripts; after
 * any run, what is left of the group (a background child) gets SIGKILL. The members are found in
 * {@code /proc} by their process group and signalled one by one ({@link ProcessHandle#destroy()}), as
 * Java cannot signal a group; a member that forks meanwhile is found by the next sweep. A command
 * that calls {@code setsid} or {@code setpgid} itself leaves the group and is out of reach.
 *
 * <p>The command gets standard input from {@code /dev/null}, no descriptor but 0-2 (the JDK closes
 * the others), an environment of {@code PATH} and {@code LANG} plus {@code extraEnvironment} (never
 * exoip's own, which may hold the API secret), and, when {@code user} is given, runs as that user
 * through util-linux's {@code setpriv}. Its output goes to a file of its own, so that a background
 * child holding it open cannot hang the run; the last {@link #OUTPUT_TAIL} bytes are kept.
 *
 * <p>Thread-safe; {@link #run} blocks its caller for at most the timeout plus a few grace periods.
 */
public final class ProcessGroup implements AutoCloseable {

    /** Between SIGTERM and SIGKILL for a run past its timeout. */
    public static final Duration KILL_GRACE = Duration.ofMillis(500);
    /** How much of a run's output is kept, from its end. */
    public static final int OUTPUT_TAIL = 2048;
    /** How long the group may take to go after SIGKILL before the run gives up waiting (and says so). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** How a run ended. */
    public record Result(boolean timedOut, int exitCode, String output, Duration took, boolean leftOver) {
        /** Whether the command exited 0 within its timeout. */
        public boolean success() {
            return !timedOut && exitCode == 0;
        }

        /** The run in words for logs and {@code info}: {@code exit 1: connection refused}. */
        public String describe(Duration timeout) {
            String last = lastLine(output);
            String what = timedOut ? "timed out after " + seconds(timeout) + " (process group killed)"
                    : "exit " + exitCode;
            return last.isEmpty() ? what : what + ": " + last;
        }
    }

    private final List<String> prefix;
    private final Path outputFile;

    private ProcessGroup(List<String> prefix, Path outputFile) {
        this.prefix = prefix;
        this.outputFile = outputFile;
    }

    /**
     * A runner for commands as {@code user} (empty: as this process's user).
     *
     * @throws IOException when the output file cannot be made
     */
    public static ProcessGroup create(Optional<RunAs> user) throws IOException {
        List<String> prefix = new ArrayList<>(List.of("setsid"));
        user.ifPresent(u -> prefix.addAll(List.of("setpriv", "--reuid=" + u.uid(), "--regid=" + u.gid(),
                "--clear-groups", "--")));
        Path out = Files.createTempFile("exoip-run-", ".out");
        out.toFile().deleteOnExit();
        return new ProcessGroup(List.copyOf(prefix), out);
    }

    /** Runs {@code command} to its end or its timeout; one run at a time per instance. */
    public synchronized Result run(List<String> command, Map<String, String> extraEnvironment, Duration timeout)
            throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(outputFile.toFile());
        Map<String, String> env = builder.environment();
        String path = env.getOrDefault("PATH", DEFAULT_PATH);
        String lang = env.get("LANG");
        env.clear();
        env.put("PATH", path);
        if (lang != null) {
            env.put("LANG", lang);
        }
        env.putAll(extraEnvironment);
        long start = System.nanoTime();
        Process leader = builder.start();
        long group = leader.pid();
        boolean timedOut = false;
        boolean leftOver = false;
        try {
            if (!leader.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                signal(group, leader, false);
                if (!gone(group, leader, KILL_GRACE)) {
                    signal(group, leader, true);
                }
            } else {
                leftOver = !members(group).isEmpty();
            }
        } finally {
            // Interrupted or not: nothing of the run may stay behind.
            if (leader.isAlive() || !members(group).isEmpty()) {
                signal(group, leader, true);
            }
        }
        gone(group, leader, KILL_WAIT);
        leader.waitFor(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        int exit = leader.isAlive() ? -1 : leader.exitValue();
        return new Result(timedOut, exit, tail(outputFile), took, leftOver);
    }

    /** SIGTERM ({@code force}: SIGKILL) to the leader and every member of its group. */
    private static void signal(long group, Process leader, boolean force) {
        if (force) {
            leader.destroyForcibly();
        } else {
            leader.destroy();
        }
        for (long pid : members(group)) {
            ProcessHandle.of(pid).ifPresent(h -> {
                if (force) {
                    h.destroyForcibly();
                } else {
                    h.destroy();
                }
            });
        }
    }

    /** Waits until the leader has exited and the group is empty, at most {@code wait}; SIGKILLs stragglers on the way. */
    private static boolean gone(long group, Process leader, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            boolean empty = !leader.isAlive() && members(group).isEmpty();
            if (empty) {
                return true;
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    /** The pids of the living processes in process group {@code group}, from {@code /proc}; empty where there is none. */
    public static List<Long> members(long group) {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p.getFileName()
                .toString()))) {
            for (Path proc : procs) {
                OptionalGroup.of(proc).filter(g -> g == group)
                        .ifPresent(g -> found.add(Long.parseLong(proc.getFileName().toString())));
            }
        } catch (IOException e) {
            return found;
        }
        return found;
    }

    /** Whether process {@code pid} exists and is not a zombie. */
    static boolean living(long pid) {
        return OptionalGroup.of(Path.of("/proc", Long.toString(pid))).isPresent();
    }

    /**
     * The process group of a living {@code /proc/PID} entry: field 5 of its {@code stat}, after the
     * command's parentheses; empty for a zombie (dead, holding nothing, reaped by its parent or init).
     */
    private static final class OptionalGroup {
        static Optional<Long> of(Path proc) {
            try {
                String stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (fields[0].equals("Z") || fields[0].equals("X")) {
                    return Optional.empty();
                }
                return Optional.of(Long.parseLong(fields[2]));
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // gone meanwhile
            }
        }
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String tail(Path file) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int n = (int) Math.min(length, OUTPUT_TAIL);
            byte[] bytes = new byte[n];
            in.seek(length - n);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last non-blank line of {@code output}, trimmed, at most 200 characters. */
    static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        String last = lines.length == 0 ? "" : lines[lines.length - 1].strip();
        return last.length() > 200 ? last.substring(0, 200) + "..." : last;
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(outputFile);
        } catch (IOException e) {
            // a temporary file; deleteOnExit tries again
        }
    }

    /** A user to run commands as: its name, uid and primary gid. */
    public record RunAs(String name, long uid, long gid) {

        /**
         * Looks {@code user} up with {@code getent passwd} (so that NSS users count too).
         *
         * @throws IllegalArgumentException naming the user when it does not exist
         */
        public static RunAs lookUp(String user) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("getent", "passwd", user).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            String[] f = out.split(":");
            if (p.exitValue() != 0 || f.length < 4) {
                throw new IllegalArgumentException("no user '" + user + "' (getent passwd " + user + " found none)");
            }
            return new RunAs(user, Long.parseLong(f[2]), Long.parseLong(f[3]));
        }
    }

    /** Whether this process runs as root (uid 0), from {@code /proc/self/status}. */
    public static boolean runningAsRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[1].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}

package org.exoip.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Gives the process the name operators look for. A JVM is called {@code java}, but the original's
 * ifupdown recipe stops the watchdog with {@code killall exoip} and people find it with
 * {@code pgrep -x exoip}: both read the name of the process's first thread ({@code /proc/PID/comm}),
 * which Linux lets the process itself rewrite through {@code /proc/self/task/PID/comm}.
 *
 * <p>Thread-safe; does nothing (and says so) where there is no such file (not Linux).
 */
public final class ProcessName {

    /** The name of the program, as {@code pgrep -x} and {@code killall} match it. */
    public static final String EXOIP = "exoip";

    /** Linux keeps at most 15 bytes of a thread name. */
    static final int MAX_LENGTH = 15;

    private ProcessName() {
    }

    /**
     * Renames this process (its first thread, whose id is the process id) to {@code name}.
     *
     * @return empty on success, otherwise why it could not be done
     */
    public static Optional<String> rename(String name) {
        return rename(Path.of("/proc/self/task"), ProcessHandle.current().pid(), name);
    }

    /** As {@link #rename(String)} with another {@code /proc/self/task} directory (tests). */
    static Optional<String> rename(Path tasks, long pid, String name) {
        if (name.isEmpty() || name.length() > MAX_LENGTH || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("not a process name of 1 to 15 printable ASCII characters: " + name);
        }
        Path comm = tasks.resolve(Long.toString(pid)).resolve("comm");
        if (!Files.exists(comm)) {
            return Optional.of(comm + " does not exist (not Linux?)");
        }
        try {
            Files.writeString(comm, name, StandardCharsets.US_ASCII);
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.of("cannot write " + comm + ": " + e.getMessage());
        }
    }

    /** The current name of this process, as {@code pgrep} sees it, when it can be read. */
    public static Optional<String> current() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/self/comm"), StandardCharsets.US_ASCII).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}

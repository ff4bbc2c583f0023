package org.exoip.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A file holding this process's id, for systemd ({@code PIDFile=}), start-stop-daemon and scripts.
 * It is written whole (a temporary file moved into place, so a reader never sees half a number) and
 * removed on {@link #close()} only if it still holds this process's id, so that a newer instance's
 * file is never deleted by an older one.
 *
 * <p>Not thread-safe: created and closed by the main thread.
 */
public final class PidFile implements AutoCloseable {

    private final Path path;
    private final long pid;
    private boolean closed;

    private PidFile(Path path, long pid) {
        this.path = path;
        this.pid = pid;
    }

    /** Writes this process's id to {@code path}. */
    public static PidFile write(Path path) throws IOException {
        return write(path, ProcessHandle.current().pid());
    }

    /** Writes {@code pid} to {@code path} (tests). */
    static PidFile write(Path path, long pid) throws IOException {
        Path absolute = path.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IOException("cannot write the PID file " + path + ": directory " + dir + " does not exist");
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            Files.writeString(temp, pid + "\n", StandardCharsets.US_ASCII);
            temp.toFile().setReadable(true, false);
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
            throw new IOException("cannot write the PID file " + path + ": " + FileProblem.reason(e), e);
        }
        return new PidFile(absolute, pid);
    }

    /** The process id a PID file holds, if it holds one. */
    public static Optional<Long> read(Path path) {
        try {
            return Optional.of(Long.parseLong(Files.readString(path, StandardCharsets.US_ASCII).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    public Path path() {
        return path;
    }

    /** Removes the file, unless another process has written its own id there since. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (read(path).filter(p -> p == pid).isPresent()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // Nothing to do: a stale PID file names a process that is gone.
            }
        }
    }
}

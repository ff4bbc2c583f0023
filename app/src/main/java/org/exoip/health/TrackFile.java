package org.exoip.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.exoip.process.FileProblem;

/**
 * keepalived's {@code track_file}: a file holding a whole number that is added to the priority
 * value (so {@code 255} drains the node: no priority survives it). A missing file counts as 0; a
 * file that cannot be read, or holds anything but one whole number from -255 to 255, faults the
 * node (say what you mean: a typo must not make the node master). Re-read when its size,
 * modification time or identity changes (an editor's or {@code mv}'s replacement too).
 *
 * <p>Used by one thread at a time.
 */
public final class TrackFile {

    /** The largest value (and, negated, the smallest) the file may hold. */
    public static final int MAX_VALUE = 255;

    /** What the file says: a value, or why it cannot be used. */
    public record Reading(int value, String problem) {
        public boolean usable() {
            return problem == null;
        }

        /** The reading in words for {@code info}: {@code 20}, {@code missing (0)}, {@code UNUSABLE: ...}. */
        public String describe() {
            return usable() ? Integer.toString(value) : "UNUSABLE: " + problem;
        }
    }

    private final Path path;
    private Object seen;
    private Reading reading;

    public TrackFile(Path path) {
        this.path = Objects.requireNonNull(path, "path");
    }

    public Path path() {
        return path;
    }

    /** Reads the file when it changed since the last call (always on the first); returns what it says now. */
    public Reading poll() {
        Object now = attributes();
        if (reading == null || !now.equals(seen)) {
            seen = now;
            reading = read();
        }
        return reading;
    }

    /** The file's identity, size and modification time, or why there are none (missing, unreadable). */
    private Object attributes() {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            return java.util.List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime(), a.isRegularFile());
        } catch (IOException e) {
            return e.getClass().getName();
        }
    }

    Reading read() {
        String text;
        try {
            if (Files.isDirectory(path)) {
                return new Reading(0, path + " is a directory (expected a file holding one whole number from -"
                        + MAX_VALUE + " to " + MAX_VALUE + ")");
            }
            if (Files.size(path) > 64) {
                return new Reading(0, path + " holds " + Files.size(path) + " bytes (expected one whole number from -"
                        + MAX_VALUE + " to " + MAX_VALUE + ")");
            }
            text = Files.readString(path, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            return new Reading(0, null);
        } catch (IOException e) {
            return new Reading(0, "cannot read " + path + ": " + FileProblem.reason(e));
        }
        try {
            int value = Integer.parseInt(text.startsWith("+") ? text.substring(1) : text);
            if (Math.abs(value) > MAX_VALUE) {
                throw new NumberFormatException();
            }
            return new Reading(value, null);
        } catch (NumberFormatException e) {
            return new Reading(0, path + " holds '" + (text.length() > 20 ? text.substring(0, 20) + "..." : text)
                    + "' (expected one whole number from -" + MAX_VALUE + " to " + MAX_VALUE + ", or no file for 0)");
        }
    }

    /** Whether the file exists now (for {@code info}). */
    boolean exists() {
        return Files.exists(path);
    }
}

package org.exoip.process;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * Why a file could not be read or written, in words an operator knows ("does not exist",
 * "permission denied") instead of a Java exception's class name. One place, so that the secret
 * file, the advert keys and the PID file say it alike.
 */
public final class FileProblem {

    private FileProblem() {
    }

    /** The reason of {@code e}, without the path (the caller names the file). */
    public static String reason(IOException e) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return "does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            // The operating system's own words, e.g. "Is a directory" or "Read-only file system".
            return fs.getReason().toLowerCase(Locale.ROOT);
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? "input/output error" : message;
    }
}

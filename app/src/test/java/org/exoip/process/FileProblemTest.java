package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File errors in the operator's words, never a Java class name. */
class FileProblemTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingFileDoesNotExist() {
        IOException e = assertThrows(IOException.class,
                () -> Files.readString(tmp.resolve("none")));
        assertEquals("does not exist", FileProblem.reason(e));
    }

    @Test
    void aPathThroughAPlainFileSaysSo() throws Exception {
        Path plain = Files.createFile(tmp.resolve("plain"));
        IOException e = assertThrows(IOException.class,
                () -> Files.readString(plain.resolve("child")));
        assertEquals("not a directory", FileProblem.reason(e));
    }

    @Test
    void theExceptionsTheJdkThrowsAreNamedInWords() {
        // As thrown by the JDK for EACCES / EPERM (tests run as root here, so no real denial is possible).
        assertEquals("permission denied", FileProblem.reason(new AccessDeniedException("/etc/exoip/eth0.secret")));
        assertEquals("does not exist", FileProblem.reason(new NoSuchFileException("/x")));
        assertEquals("read-only file system", FileProblem.reason(
                new FileSystemException("/x", null, "Read-only file system")));
        assertEquals("input/output error", FileProblem.reason(new IOException()));
    }
}

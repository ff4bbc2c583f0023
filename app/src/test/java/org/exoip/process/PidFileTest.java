package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidFileTest {

    @TempDir
    Path dir;

    @Test
    void holdsTheIdWhileOpenAndGoesAwayOnClose() throws Exception {
        Path path = dir.resolve("exoip.pid");
        try (PidFile file = PidFile.write(path, 4242)) {
            assertEquals("4242\n", Files.readString(path));
            assertEquals(Optional.of(4242L), PidFile.read(path));
            assertEquals(path.toAbsolutePath(), file.path());
        }
        assertFalse(Files.exists(path));
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "no temporary file left behind");
        }
    }

    @Test
    void replacesAStaleFile() throws Exception {
        Path path = dir.resolve("exoip.pid");
        Files.writeString(path, "1\n");
        try (PidFile file = PidFile.write(path, 77)) {
            assertEquals(Optional.of(77L), PidFile.read(path));
        }
    }

    @Test
    void leavesANewerInstancesFileAlone() throws Exception {
        Path path = dir.resolve("exoip.pid");
        PidFile older = PidFile.write(path, 10);
        Files.writeString(path, "11\n");
        older.close();
        assertTrue(Files.exists(path));
        assertEquals(Optional.of(11L), PidFile.read(path));
    }

    @Test
    void namesTheMissingDirectory() {
        IOException e = assertThrows(IOException.class, () -> PidFile.write(dir.resolve("no/such/exoip.pid"), 1));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void readsNothingFromGarbage() throws Exception {
        Path path = dir.resolve("garbage.pid");
        Files.writeString(path, "<html>");
        assertEquals(Optional.empty(), PidFile.read(path));
        assertEquals(Optional.empty(), PidFile.read(dir.resolve("absent.pid")));
    }
}

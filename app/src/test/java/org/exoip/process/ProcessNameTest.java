package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renaming through a stand-in /proc/self/task directory; the real rename is tested by ServiceProcessIT. */
class ProcessNameTest {

    @TempDir
    Path tasks;

    @Test
    void writesTheNameToTheFirstThreadsComm() throws Exception {
        Path comm = Files.createDirectories(tasks.resolve("4242")).resolve("comm");
        Files.writeString(comm, "java\n");
        assertEquals(Optional.empty(), ProcessName.rename(tasks, 4242, "exoip"));
        assertEquals("exoip", Files.readString(comm));
    }

    @Test
    void saysWhyWhenThereIsNoProc() {
        Optional<String> why = ProcessName.rename(tasks, 4242, "exoip");
        assertTrue(why.orElseThrow().contains("does not exist"), why.toString());
    }

    @Test
    void refusesNamesLinuxWouldCut() {
        assertThrows(IllegalArgumentException.class, () -> ProcessName.rename(tasks, 1, "exoip-watchdog-long"));
        assertThrows(IllegalArgumentException.class, () -> ProcessName.rename(tasks, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> ProcessName.rename(tasks, 1, "exo ip"));
    }
}

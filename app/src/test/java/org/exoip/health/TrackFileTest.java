package org.exoip.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackFileTest {

    @TempDir
    Path dir;

    @Test
    void missingIsZeroAndANumberIsReadOnChange() throws Exception {
        Path file = dir.resolve("maint");
        TrackFile track = new TrackFile(file);
        assertEquals(new TrackFile.Reading(0, null), track.poll());
        Files.writeString(file, "20\n");
        assertEquals(20, track.poll().value());
        // Replaced by mv, as editors and scripts do: another file, read again.
        Path next = dir.resolve("maint.new");
        Files.writeString(next, "-5");
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        assertEquals(-5, track.poll().value());
        Files.delete(file);
        assertEquals(new TrackFile.Reading(0, null), track.poll());
        Files.writeString(file, "+255");
        assertEquals(255, track.poll().value());
    }

    @Test
    void garbageOrAValueOutOfRangeIsUnusableAndSaysWhatWasExpected() throws Exception {
        Path file = dir.resolve("maint");
        TrackFile track = new TrackFile(file);
        Files.writeString(file, "drain");
        TrackFile.Reading garbage = track.poll();
        assertFalse(garbage.usable());
        assertEquals(file + " holds 'drain' (expected one whole number from -255 to 255, or no file for 0)",
                garbage.problem());
        Files.writeString(file, "300");
        assertFalse(track.poll().usable());
        Files.writeString(file, "7");
        assertTrue(track.poll().usable());
    }

    @Test
    void aDirectoryInItsPlaceIsUnusable() throws Exception {
        Path file = dir.resolve("maint");
        Files.createDirectory(file);
        TrackFile.Reading reading = new TrackFile(file).poll();
        assertFalse(reading.usable());
        assertEquals(file + " is a directory (expected a file holding one whole number from -255 to 255)",
                reading.problem());
    }
}

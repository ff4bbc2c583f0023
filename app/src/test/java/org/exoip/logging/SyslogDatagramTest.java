package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/** The RFC 3164 bytes, without any socket. */
class SyslogDatagramTest {

    private static final Instant TIME = Instant.parse("2026-11-02T04:05:06.789Z");

    @Test
    void headerIsPriorityLocalTimeTagAndPid() {
        assertEquals("<30>Nov  2 04:05:06 exoip[42]: [node] Engine: hello",
                text(SyslogSocketAppender.datagram(Level.INFO, TIME, ZoneOffset.UTC, 42, "[node] Engine: hello")));
        assertEquals("<30>Nov  2 05:05:06 exoip[42]: x",
                text(SyslogSocketAppender.datagram(Level.INFO, TIME, ZoneId.of("Europe/Zurich"), 42, "x")));
        assertEquals("<30>Nov 12 04:05:06 exoip[7]: x", text(SyslogSocketAppender.datagram(Level.INFO,
                Instant.parse("2026-11-12T04:05:06Z"), ZoneOffset.UTC, 7, "x")));
    }

    @Test
    void levelsMapToSyslogSeveritiesOfFacilityDaemon() {
        assertEquals(26, SyslogSocketAppender.priority(Level.FATAL));
        assertEquals(27, SyslogSocketAppender.priority(Level.ERROR));
        assertEquals(28, SyslogSocketAppender.priority(Level.WARN));
        assertEquals(30, SyslogSocketAppender.priority(Level.INFO));
        assertEquals(31, SyslogSocketAppender.priority(Level.DEBUG));
        assertEquals(31, SyslogSocketAppender.priority(Level.TRACE));
    }

    @Test
    void aLongMessageIsCutAtACharacterBoundaryAndMarked() {
        String message = "é".repeat(SyslogSocketAppender.MAX_DATAGRAM_BYTES);

        byte[] datagram = SyslogSocketAppender.datagram(Level.INFO, TIME, ZoneOffset.UTC, 42, message);

        assertTrue(datagram.length <= SyslogSocketAppender.MAX_DATAGRAM_BYTES, () -> datagram.length + " bytes");
        String text = text(datagram);
        assertTrue(text.endsWith("éé…"), text.substring(text.length() - 10));
        assertEquals(-1, text.indexOf('\uFFFD'), "a UTF-8 sequence was split");
    }

    private static String text(byte[] datagram) {
        return new String(datagram, StandardCharsets.UTF_8);
    }
}

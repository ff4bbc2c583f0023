package org.exoip.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.logging.CapturedLog;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away before its answer (a node stopping, a read abandoned) is routine for
 * the stand-in: one line at debug level, never a stack trace in the demo's output.
 */
class StandinClientGoneTest {

    @Test
    void aClientThatHangsUpBeforeTheAnswerIsOneDebugLine() throws Exception {
        try (CapturedLog log = CapturedLog.of(Level.DEBUG, StandinServer.class);
                StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            standin.faults().add(Fault.slow(Duration.ofMillis(300)).matching("GET", "^/v2/elastic-ip$"));
            try (Socket client = new Socket(InetAddress.getByName("127.0.0.1"), standin.address().getPort())) {
                OutputStream out = client.getOutputStream();
                out.write("GET /v2/elastic-ip HTTP/1.1\r\nHost: standin\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                client.setSoLinger(true, 0); // hang up with a reset, as a killed process does
            }

            LogEvent gone = log.await(e -> e.getMessage().getFormattedMessage().contains("went away"),
                    Duration.ofSeconds(10));

            assertEquals(Level.DEBUG, gone.getLevel());
            assertNull(gone.getThrown(), "a stack trace was logged");
            assertTrue(gone.getMessage().getFormattedMessage().contains("GET /v2/elastic-ip"),
                    gone.getMessage().getFormattedMessage());
            assertTrue(log.events().stream().allMatch(e -> e.getThrown() == null && e.getLevel().isLessSpecificThan(
                    Level.INFO)), () -> log.events().toString());
        }
    }
}

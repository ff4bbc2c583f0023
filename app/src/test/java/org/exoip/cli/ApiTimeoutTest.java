package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ExoscaleElasticIpProvider;
import org.exoip.cloud.TimedElasticIpProvider;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --api-timeout} bounds a whole cloud step, all its tries included, and the failure says
 * how many tries it made in how long: against an API on loopback that accepts connections and
 * never answers.
 */
class ApiTimeoutTest {

    private static final String SELF = "1128bd56-b4d9-4ac6-a7b9-c715b187ce11";
    /** The figures the failure states: tries, their time, the time allowed. */
    private static final Pattern FIGURES = Pattern.compile("\\((\\d+) tr(?:y|ies) in ([0-9.]+) s, all of the (\\S+) s allowed\\)");
    /**
     * What the program guarantees beyond the timeout: the step is abandoned at the timeout, and
     * this is time for the abandoning thread to be scheduled on a loaded machine.
     */
    private static final Duration MARGIN = Duration.ofSeconds(1);

    private ServerSocket silent;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    /** Accepts every connection and never answers (nor closes it). */
    @BeforeEach
    void silentApi() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    held.add(silent.accept());
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-api");
        accept.setDaemon(true);
        accept.start();
    }

    @AfterEach
    void close() throws IOException {
        silent.close();
        for (Socket socket : held) {
            socket.close();
        }
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v2");
    }

    @Test
    void aStepEndsWithinTheTimeoutAndSaysItsTries() throws Exception {
        // The request timeout and retries that the command line gives the client, cut to a short step.
        ExoscaleClient client = ExoscaleClient.builder().endpoint(endpoint()).apiKey("EXOkey").apiSecret("secret")
                .requestTimeout(Duration.ofMillis(1500)).build();
        Inet4Address eip = (Inet4Address) InetAddress.getByName("198.51.100.50");
        Duration timeout = Duration.ofSeconds(4);
        try (TimedElasticIpProvider step = new TimedElasticIpProvider(
                new ExoscaleElasticIpProvider(client, eip, () -> Set.of()), timeout, Thread::new)) {
            long start = System.nanoTime();
            CloudException e = assertThrows(CloudException.class, step::holders);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertTrue(took.compareTo(timeout.plus(MARGIN)) <= 0, "took " + took + ": " + e.getMessage());
            assertTrue(e.retryable());
            Matcher figures = FIGURES.matcher(e.getMessage());
            assertTrue(figures.find(), e.getMessage());
            assertTrue(Integer.parseInt(figures.group(1)) >= 2, "a try of 1.5 s, then others: " + e.getMessage());
            assertTrue(Double.parseDouble(figures.group(2)) <= 4.0, e.getMessage());
            assertEquals("4", figures.group(3), e.getMessage());
        }
    }

    @Test
    void attachOnceEndsWithinTheApiTimeout() {
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        long start = System.nanoTime();
        int code = ExoipCommand.commandLine(Map.of(), new ExoscaleConnector(), SignalInstaller.NONE, out, err)
                .execute("-A", "-O", "-xi", "198.51.100.50", "-i", SELF, "-xe", endpoint().toString(), "-xk", "EXOkey",
                        "-xs", "secret", "--api-timeout", "3s");
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        String stderr = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, stderr);
        Matcher figures = FIGURES.matcher(stderr);
        assertTrue(figures.find(), stderr);
        assertTrue(Double.parseDouble(figures.group(2)) <= 3.0, stderr);
        assertEquals("3", figures.group(3), stderr);
        assertFalse(stderr.contains("15000 ms"), stderr);
        // The step itself within 3 s; the run's own start (logging, the client) within a few more.
        assertTrue(took.compareTo(Duration.ofSeconds(3).plus(Duration.ofSeconds(5))) <= 0, "took " + took);
    }
}

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
    /** The figures the client's failure states: tries, their time, the time allowed. */
    private static final Pattern FIGURES = Pattern.compile("\\((\\d+) tr(?:y|ies) in ([0-9.]+) s, all of the (\\S+) s allowed\\)");
    /** The same when the step had to be abandoned at the timeout (a machine too busy for the client to end it). */
    private static final Pattern ABANDONED = Pattern.compile("not done within (\\d+) ms, the API timeout \\((\\d+) tr(?:y|ies), abandoned\\)");
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
            assertTrue(triesStated(e.getMessage(), 4) >= 2, "a try of 1.5 s, then others: " + e.getMessage());
        }
    }

    /**
     * The tries that {@code message} says the step made, checking that it states them with the
     * time allowed (and, from the client, a time within it); fails the test when it does not.
     */
    private static int triesStated(String message, int allowedSeconds) {
        Matcher figures = FIGURES.matcher(message);
        if (figures.find()) {
            assertTrue(Double.parseDouble(figures.group(2)) <= allowedSeconds, message);
            assertEquals(Integer.toString(allowedSeconds), figures.group(3), message);
            return Integer.parseInt(figures.group(1));
        }
        Matcher abandoned = ABANDONED.matcher(message);
        assertTrue(abandoned.find(), "no tries nor time stated: " + message);
        assertEquals(Integer.toString(allowedSeconds * 1000), abandoned.group(1), message);
        return Integer.parseInt(abandoned.group(2));
    }

    @Test
    void attachOnceEndsWithinTheApiTimeout() {
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        int code = ExoipCommand.commandLine(Map.of(), new ExoscaleConnector(), SignalInstaller.NONE, out, err)
                .execute("-A", "-O", "-xi", "198.51.100.50", "-i", SELF, "-xe", endpoint().toString(), "-xk", "EXOkey",
                        "-xs", "secret", "--api-timeout", "3s");
        String stderr = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, stderr);
        assertTrue(triesStated(stderr, 3) >= 1, stderr);
        assertFalse(stderr.contains("15000 ms"), stderr);
        // The run's own start (logging, picocli, the HTTP client) is no part of the step, and takes
        // seconds on a loaded machine: the step's bound is the other test's; here, what -A says.
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs the command in-process with a known API secret and advert key through its failure paths
 * and a short watchdog run (with {@code -v}, {@code info}), capturing everything it printed: its
 * output and error writers and the process's standard streams, where {@code -O} logs go. Neither
 * secret may appear anywhere.
 */
class SecretsNeverPrintedTest {

    private static final String API_SECRET = "API-SECRET-7d1f0c9e4b2a8d3f6e5c";
    private static final String ADVERT_KEY = "ADVERT-KEY-5e8f2a7c1d9b4e6f3a0c8d2b7e1f4a9c";
    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-0000000000a1");

    private final Map<String, String> env = new HashMap<>();
    private final StringWriter printed = new StringWriter();
    private final ByteArrayOutputStream streams = new ByteArrayOutputStream();
    private PrintStream realOut;
    private PrintStream realErr;
    private Path keyFile;

    @TempDir
    Path tmp;

    @BeforeEach
    void capture() throws Exception {
        realOut = System.out;
        realErr = System.err;
        PrintStream both = new PrintStream(streams, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        keyFile = Files.writeString(tmp.resolve("advert.key"), ADVERT_KEY + "\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void restore() {
        System.setOut(realOut);
        System.setErr(realErr);
        // Back to the real streams. Not Logging.shutdown(): that ends the logger context, and every
        // static logger made so far would then write nowhere in the test classes run after this one.
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
    }

    private int run(CloudConnector connector, SignalInstaller signals, String... args) {
        CommandLine cmd = ExoipCommand.commandLine(env, connector, signals);
        PrintWriter writer = new PrintWriter(printed, true);
        cmd.setOut(writer);
        cmd.setErr(writer);
        return cmd.execute(args);
    }

    private String everything() {
        return printed + "\n" + streams.toString(StandardCharsets.UTF_8);
    }

    private void assertNoSecret(String what) {
        String all = everything();
        assertFalse(all.contains(API_SECRET), what + " printed the API secret:\n" + all);
        assertFalse(all.contains(ADVERT_KEY), what + " printed the advert key:\n" + all);
        // Nor a recognisable piece of either.
        assertFalse(all.contains(API_SECRET.substring(0, 16)), what + ":\n" + all);
        assertFalse(all.contains(ADVERT_KEY.substring(11, 27)), what + ":\n" + all);
    }

    private static String[] args(String... more) {
        List<String> all = new ArrayList<>(List.of("-xi", "198.51.100.50", "-xk", "EXOkey0123456789abcdef",
                "-xs", API_SECRET));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @Test
    void checkingTheConfigurationVerbosely() {
        assertEquals(0, run(failingCloud(), SignalInstaller.NONE,
                args("-n", "-v", "-W", "-p", "192.0.2.2", "--auth-key-file", keyFile.toString())));
        assertTrue(everything().contains("advert auth:        HMAC-SHA256, key " + keyFile), everything());
        assertNoSecret("-n -v");
    }

    @Test
    void usageErrors() throws Exception {
        Path worldReadable = Files.writeString(tmp.resolve("open.key"), ADVERT_KEY);
        Files.setPosixFilePermissions(worldReadable, PosixFilePermissions.fromString("rw-r--r--"));
        Path shortKey = Files.writeString(tmp.resolve("short.key"), ADVERT_KEY.substring(0, 20));
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        assertEquals(2, run(failingCloud(), SignalInstaller.NONE,
                args("-W", "-p", "192.0.2.2", "--auth-key-file", worldReadable.toString())));
        assertEquals(2, run(failingCloud(), SignalInstaller.NONE,
                args("-W", "-p", "192.0.2.2", "--auth-key-file", shortKey.toString())));
        assertEquals(2, run(failingCloud(), SignalInstaller.NONE, args("-W", "-p", "192.0.2.2", "-t", "0")));
        assertEquals(2, run(failingCloud(), SignalInstaller.NONE, args("-W", "-p", "bad_peer!")));
        assertNoSecret("usage errors");
    }

    @Test
    void cloudFailuresVerbosely() {
        for (String mode : List.of("-A", "-D", "-W")) {
            int code = run(failingCloud(), SignalInstaller.NONE,
                    args(mode, "-v", "-O", "-p", "192.0.2.2", "--auth-key-file", keyFile.toString()));
            assertEquals(1, code, mode + ":\n" + everything());
        }
        assertTrue(everything().contains("403"), everything());
        assertNoSecret("cloud failures");
    }

    @Test
    void aShortWatchdogRunAnsweringInfo() throws Exception {
        CompletableFuture<WatchdogEngine> started = new CompletableFuture<>();
        InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
        int port;
        port = LoopbackPorts.freeUdpPort();
        int listen = port;
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> run(
                (config, known) -> new CloudConnector.Cloud(SELF, cloud, Optional.empty()), watchdog -> started.complete(watchdog.engine()),
                args("-W", "-v", "-O", "-t", "50ms", "-l", "127.0.0.1:" + listen, "-p", "127.0.0.2",
                        "--auth-key-file", keyFile.toString())));
        WatchdogEngine engine = started.get(10, TimeUnit.SECONDS);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            client.setSoTimeout(10_000);
            byte[] query = "info".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(query, query.length, InetAddress.getByName("127.0.0.1"), listen));
            DatagramPacket reply = new DatagramPacket(new byte[4096], 4096);
            client.receive(reply);
            String info = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
            assertTrue(info.contains("Adverts     authenticated"), info);
            assertFalse(info.contains(API_SECRET) || info.contains(ADVERT_KEY), info);
        }
        engine.stop();
        assertEquals(0, exit.get(20, TimeUnit.SECONDS));
        assertNoSecret("a watchdog run");
    }

    /** The cloud refuses, as Exoscale does a bad signature; the message carries what a careless client would echo. */
    private static CloudConnector failingCloud() {
        return (config, known) -> {
            throw new CloudException("POST /v2/elastic-ip failed: 403 Invalid request signature (key "
                    + config.apiKey() + ", secret " + config.apiSecret().reveal() + ")", false);
        };
    }
}

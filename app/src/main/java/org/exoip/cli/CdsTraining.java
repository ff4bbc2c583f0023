package org.exoip.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;

/**
 * The training run behind exoip's class-data-sharing archive, so that {@code
 * -XX:ArchiveClassesAtExit} records the classes exoip loads and the next runs map them instead of
 * loading them: a one-shot {@code -A} and {@code -D} (what an ifupdown hook loads), then a
 * watchdog {@code -W} that becomes master with one peer, hears it, and stops with a hand-over (what
 * the daemon loads: Netty, the advert path, the reconciler). The API is a stand-in served over
 * HTTPS, as the real one is, by a separate JVM, so that the archive holds the TLS client's
 * handshake and none of the stand-in's own classes (which every process would otherwise map). The
 * build runs it ({@code app/target/exoip.jsa}), and so do the Debian package and the container
 * image on their own files. Loopback only; nothing reaches Exoscale or the metadata server.
 */
public final class CdsTraining {

    private static final String ELASTIC_IP = "198.51.100.50";
    private static final String KEY = "EXOtraining0000000000000001";
    private static final String INSTANCE = "0e1c5a3e-7c2b-4d59-9d0e-5c1f3a2b4c6d";
    private static final Pattern LISTENING = Pattern.compile("\\(API (\\S+), metadata (\\S+),");

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        // The entry point itself and its start-up thread's work (the JDK's default TLS context with
        // its trust store, Jackson), which the training runs below do not go through.
        Class.forName(Main.class.getName());
        ExoscaleClient.warmUp();
        StringWriter out = new StringWriter();
        Path dir = Files.createTempDirectory("exoip-cds-training-");
        Process standin = null;
        int failures = 0;
        try {
            Path ca = dir.resolve("ca.pem");
            standin = startStandin(dir, ca);
            String[] urls = urls(standin);
            Map<String, String> env = Map.of(
                    "IF_ADDRESS", ELASTIC_IP,
                    "IF_EXOSCALE_API_KEY", KEY,
                    "IF_EXOSCALE_API_SECRET", "training-secret-not-a-real-one",
                    "IF_EXOSCALE_API_ENDPOINT", urls[0],
                    // Its own instance given: the metadata server is not HTTPS, and this one would
                    // not be trusted; a call to it would fail the training rather than go out.
                    "IF_EXOSCALE_INSTANCE_ID", INSTANCE,
                    "IF_EXOSCALE_METADATA_URL", urls[1],
                    "IF_EXOSCALE_API_CA_FILE", ca.toString());
            for (List<String> run : List.of(List.of("-A", "-O"), List.of("-D", "-O"), List.of("-A", "-O", "--dry-run"),
                    List.of("-A", "-n"))) {
                failures += execute(env, run, SignalInstaller.NONE, out) == 0 ? 0 : 1;
            }
            // A port another process took between the peer's bind and the watchdog's makes the
            // watchdog exit at once: another port then.
            boolean trained = false;
            for (int attempt = 1; attempt <= 3 && !trained; attempt++) {
                trained = watchdog(env, out);
            }
            failures += trained ? 0 : 1;
        } finally {
            if (standin != null) {
                standin.destroy();
                standin.waitFor(10, TimeUnit.SECONDS);
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        if (failures > 0) {
            System.err.print(out);
        }
        System.out.println("exoip CDS training: " + (failures == 0 ? "done" : failures + " runs failed"));
        System.exit(failures == 0 ? 0 : 1);
    }

    private static int execute(Map<String, String> env, List<String> run, SignalInstaller signals, StringWriter out) {
        picocli.CommandLine cmd = ExoipCommand.commandLine(env, new ExoscaleConnector(), signals);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(out, true));
        return cmd.execute(run.toArray(String[]::new));
    }

    /** The stand-in API in a JVM of its own, over HTTPS with a certificate it writes to {@code ca}. */
    private static Process startStandin(Path dir, Path ca) throws IOException {
        Path config = dir.resolve("standin.json");
        Files.writeString(config, "{\"operation-delay-ms\": 0,"
                + " \"credentials\": [{\"key\": \"" + KEY + "\", \"secret\": \"training-secret-not-a-real-one\"}],"
                + " \"instances\": [{\"id\": \"" + INSTANCE + "\", \"name\": \"training\", \"public-ip\": \"127.0.0.1\"},"
                + " {\"name\": \"peer\", \"public-ip\": \"127.0.0.2\"}],"
                + " \"elastic-ips\": [{\"ip\": \"" + ELASTIC_IP + "\", \"attached-to\": []}]}");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "org.exoip.exoscale.standin.StandinCommand", "--listen", "127.0.0.1:0", "--config", config.toString(),
                "--tls-self-signed", "--tls-write-ca", ca.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** The API and metadata URLs from the stand-in's "listening" line. */
    private static String[] urls(Process standin) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(standin.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder said = new StringBuilder();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                // Keep reading what it says, so that it never blocks on a full pipe.
                Thread drain = new Thread(() -> lines.lines().forEach(ignored -> { }), "standin-output");
                drain.setDaemon(true);
                drain.start();
                return new String[] {m.group(1), m.group(2)};
            }
            said.append(line).append('\n');
        }
        throw new IOException("the stand-in API did not start: " + said);
    }

    /**
     * A watchdog with one peer, on a loopback port of its own, until it is master and has heard the
     * peer a few times; then the stop a SIGTERM makes (hand-over included). False when it never got
     * there within its deadline or did not exit 0.
     */
    private static boolean watchdog(Map<String, String> env, StringWriter out) throws Exception {
        CompletableFuture<WatchdogEngine> running = new CompletableFuture<>();
        Inet4Address eip = (Inet4Address) InetAddress.getByName(ELASTIC_IP);
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.bind(new InetSocketAddress("127.0.0.2", 0));
            int port = peer.socket().getLocalPort();
            byte[] advert = AdvertCodec.encode(new Advert(20, eip, UUID.nameUUIDFromBytes(new byte[] {2})));
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> execute(env,
                    List.of("-W", "-O", "-l", "127.0.0.1:" + port, "-p", "127.0.0.2", "-t", "0.2", "-P", "10"),
                    watchdog -> running.complete(watchdog.engine()), out));
            CompletableFuture.anyOf(running, exit).get(30, TimeUnit.SECONDS);
            if (!running.isDone()) {
                out.write("the training watchdog exited before it ran (exit code " + exit.get() + ")\n");
                return false;
            }
            WatchdogEngine engine = running.get();
            InetSocketAddress node = new InetSocketAddress("127.0.0.1", port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(engine.role() == Role.MASTER && engine.advertsReceived() >= 10 && engine.advertsSent() >= 10)) {
                if (System.nanoTime() > deadline || exit.isDone()) {
                    out.write("the training watchdog did not become master with its peer heard: " + engine.info().get()
                            + "\n");
                    engine.stop();
                    return false;
                }
                peer.send(ByteBuffer.wrap(advert), node);
                Thread.sleep(100);
            }
            engine.stop();
            return exit.get(30, TimeUnit.SECONDS) == 0;
        }
    }
}

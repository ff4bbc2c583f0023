package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.health.HealthMonitor;
import org.exoip.health.NodeHealth;
import org.exoip.health.TrackFile;
import org.exoip.metrics.ExoipMetrics;
import org.exoip.protocol.AdvertKeys;
import org.exoip.protocol.AuthenticatedAdvertCodec;
import org.exoip.protocol.HandoverCodec;
import org.exoip.protocol.HandoverRequest;
import org.exoip.protocol.RejectReason;
import com.fasterxml.jackson.databind.JsonNode;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.JsonSchemaCheck;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code exoip handover} run in-process against three engines on real UDP sockets (127.0.0.1, .2,
 * .3, one port) sharing one in-memory cloud; and raw datagrams from 127.0.0.2, which is not node a's
 * host address (a is bound to 127.0.0.1), for what a stranger may not do.
 */
class HandoverCommandTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final byte[] KEY = "handover-test-key-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final List<UUID> ids = List.of(
            UUID.fromString("00000000-0000-4000-8000-00000000000a"),
            UUID.fromString("00000000-0000-4000-8000-00000000000b"),
            UUID.fromString("00000000-0000-4000-8000-00000000000c"));
    private int port;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private void start(Optional<AdvertKeys> keys) throws Exception {
        start(keys, NodeHealth.NONE);
    }

    /** Three engines; node a with {@code healthOfA} (its track file). */
    private void start(Optional<AdvertKeys> keys, NodeHealth healthOfA) throws Exception {
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        List<String> hosts = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");
        for (int i = 0; i < 3; i++) {
            NodeSettings node = new NodeSettings(ids.get(i), (Inet4Address) InetAddress.getByName("198.51.100.50"),
                    10, INTERVAL, 3);
            EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(hosts.get(i), port))
                    .withReconcileInterval(Duration.ofHours(1)).withAdvertKeys(keys);
            engines.add(WatchdogEngine.start(settings, cloud, new StaticPeers(hosts, w -> { }),
                    i == 0 ? healthOfA : NodeHealth.NONE));
        }
        await("node a master, holding the address alone", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && engines.get(0).role() == Role.MASTER
                && engines.stream().filter(e -> e.role() == Role.BACKUP).count() == 2);
    }

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
        if (monitor != null) {
            monitor.close();
        }
    }

    private HealthMonitor monitor;

    private int exoip(String... args) {
        CommandLine cmd = ExoipCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE.toMillis() + " ms: " + what + "; roles "
                        + engines.stream().map(WatchdogEngine::role).toList() + ", holders " + cloud.currentHolders());
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void handsOverConfirmsStaysOutAndComesBackOnRelease() throws Exception {
        start(Optional.empty());
        ExoipMetrics metrics = new ExoipMetrics(ids.get(0), List.of((Inet4Address) InetAddress.getByName(
                "198.51.100.50")), false);
        metrics.observe(engines.get(0));
        assertTrue(scrape(metrics).contains("exoip_holder{eip=\"198.51.100.50\",instance=\"" + ids.get(0) + "\"} 1.0\n"),
                scrape(metrics));
        assertTrue(scrape(metrics).contains("exoip_holders{eip=\"198.51.100.50\"} 1.0\n"), scrape(metrics));
        int journalBefore = cloud.journal().size();
        int code = exoip("handover", "--node", "127.0.0.1:" + port, "--timeout", "10");
        assertEquals(0, code, out + " / " + err);
        // The node's word, read from the holders: the successor alone (b: equal priorities, lowest id).
        assertTrue(out.toString().contains("done: 198.51.100.50 held by " + ids.get(1) + " alone after "),
                out.toString());
        assertEquals(Set.of(ids.get(1)), cloud.currentHolders());
        // The holder set at a glance, from the read that confirmed it: b alone, a no more.
        String text = scrape(metrics);
        assertTrue(text.contains("exoip_holder{eip=\"198.51.100.50\",instance=\"" + ids.get(1) + "\"} 1.0\n"), text);
        assertEquals(-1, text.indexOf("instance=\"" + ids.get(0) + "\""), text);
        assertTrue(text.contains("exoip_holders{eip=\"198.51.100.50\"} 1.0\n"), text);
        var changes = cloud.journal().subList(journalBefore, cloud.journal().size());
        assertTrue(changes.stream().noneMatch(c -> c.holdersAfter().isEmpty()), "never without a holder: " + changes);
        // Out of the election: a runs on as a backup advertising 255, and info says why.
        assertEquals(Role.BACKUP, engines.get(0).role());
        assertEquals(255, engines.get(0).priority());
        assertTrue(engines.get(0).info().get().contains(
                "Election    out: held by exoip handover until released (exoip handover --release) or restarted\n"),
                engines.get(0).info().get());

        assertEquals(0, exoip("handover", "--release", "--node", "127.0.0.1:" + port), err.toString());
        assertTrue(out.toString().contains("back in the election for 198.51.100.50"), out.toString());
        await("a, best again, takes the address back", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && engines.get(0).role() == Role.MASTER);
    }

    @Test
    void infoPrintsTheTextAndAJsonDocumentThatValidates() throws Exception {
        start(Optional.empty());
        assertEquals(0, exoip("info", "127.0.0.1:" + port), err.toString());
        assertTrue(out.toString().startsWith("Node        " + ids.get(0) + "\n"), out.toString());
        assertTrue(out.toString().contains("\nElection    in\n"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, exoip("info", "--json", "127.0.0.1:" + port), err.toString());
        JsonNode document = JsonSchemaCheck.JSON.readTree(out.toString());
        assertEquals(List.of(), JsonSchemaCheck.violations(JsonSchemaCheck.schema(), document), out.toString());
        assertEquals(ids.get(0).toString(), document.get("node").asText());
        JsonNode eip = document.get("elastic_ips").get(0);
        assertEquals("MASTER", eip.get("state").asText());
        assertEquals(ids.get(0).toString(), eip.get("holders").get(0).asText());
        assertEquals(2, document.get("peers").size());
        // Nobody listening: one line, exit 1.
        assertEquals(1, exoip("info", "--timeout", "300ms", "127.0.0.1:" + (port == 65535 ? 1 : port + 1)));
        assertTrue(err.toString().startsWith("exoip info: no answer from 127.0.0.1:"), err.toString());
    }

    @Test
    void aHoldAndATrackFileEachKeepTheNodeOutAndInfoSaysWhy() throws Exception {
        Path trackFile = dir.resolve("maintenance");
        monitor = new HealthMonitor(List.of(), Optional.of(new TrackFile(trackFile)), Optional.empty(), "a",
                System::nanoTime);
        monitor.start();
        start(Optional.empty(), monitor);
        assertEquals(0, exoip("handover", "--node", "127.0.0.1:" + port), err.toString());
        Files.writeString(trackFile, "255\n");
        await("a out for both reasons", () -> electionLine().equals("Election    out: held by exoip handover until "
                + "released (exoip handover --release) or restarted; fault: track file value 255 makes priority 10 "
                + "unusable (265 > 254)"));
        // The release ends the hold, not the drain: a stays out, at 255.
        assertEquals(0, exoip("handover", "--release", "--node", "127.0.0.1:" + port), err.toString());
        assertEquals("Election    out: fault: track file value 255 makes priority 10 unusable (265 > 254)",
                electionLine());
        assertEquals(255, engines.get(0).priority());
        assertEquals(Set.of(ids.get(1)), cloud.currentHolders());
        // And the end of the drain lets it back: best again, it takes the address back.
        Files.delete(trackFile);
        await("a back and master", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && electionLine().equals("Election    in"));
    }

    private String electionLine() {
        try {
            return engines.get(0).info().get().lines().filter(l -> l.startsWith("Election")).findFirst().orElseThrow();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aTimedHoldEndsByItself() throws Exception {
        start(Optional.empty());
        assertEquals(0, exoip("handover", "--node", "127.0.0.1:" + port, "--hold", "1"), err.toString());
        assertTrue(out.toString().contains("this node stays out of the election for 1000 ms"), out.toString());
        assertTrue(electionLine().startsWith("Election    out: held by exoip handover until 20"), electionLine());
        await("a, back after its hold, takes the address back", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && electionLine().equals("Election    in"));
    }

    @Test
    void badCombinationsAreUsageErrorsInOneLine() {
        assertEquals(2, exoip("handover", "--release", "--to", "127.0.0.2"));
        assertTrue(err.toString().startsWith("exoip: --release takes neither --to nor --hold"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, exoip("handover", "--node", "127.0.0.1:99999"));
        assertTrue(err.toString().contains("'127.0.0.1:99999' has no valid port (expected HOST[:PORT]"), err.toString());
    }

    @Test
    void refusesANamedNodeTheElectionWouldNotPickOrThatIsDead() throws Exception {
        start(Optional.empty());
        assertEquals(1, exoip("handover", "--node", "127.0.0.1:" + port, "--to", ids.get(2).toString()));
        assertTrue(err.toString().contains("refused: node " + ids.get(2) + " (priority 10) would not be elected for "
                + "198.51.100.50: node " + ids.get(1) + " (priority 10) ranks before it"), err.toString());
        engines.get(1).kill();
        await("a hears b no more", () -> {
            try {
                return engines.get(0).info().get().contains("Peer 127.0.0.2 id=" + ids.get(1) + " priority=10 dead");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(1, exoip("handover", "--node", "127.0.0.1:" + port, "--to", "127.0.0.2"));
        assertTrue(err.toString().contains("refused: node 127.0.0.2 is not alive (127.0.0.2 dead priority 10 seen"),
                err.toString());
        assertEquals(Role.MASTER, engines.get(0).role(), "a refused request changes nothing");
        assertEquals(10, engines.get(0).priority());
        // --to the node the election picks now: c.
        assertEquals(0, exoip("handover", "--node", "127.0.0.1:" + port, "--to", "127.0.0.3"), err.toString());
        assertEquals(Set.of(ids.get(2)), cloud.currentHolders());
    }

    @Test
    void refusesWithNoEligibleNode() throws Exception {
        start(Optional.empty());
        engines.get(1).kill();
        engines.get(2).kill();
        await("a hears no peer", () -> engines.get(0).describeUnreadiness().isEmpty() && peersDead());
        assertEquals(1, exoip("handover", "--node", "127.0.0.1:" + port));
        assertTrue(err.toString().contains("refused: no eligible node for 198.51.100.50: no alive peer advertises a "
                + "priority below 255"), err.toString());
        assertEquals(Role.MASTER, engines.get(0).role());
    }

    private boolean peersDead() {
        try {
            String info = engines.get(0).info().get();
            return !info.contains(" alive");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anUnsignedRequestFromAnotherAddressIsRefusedAndCounted() throws Exception {
        start(Optional.empty());
        byte[] request = new HandoverCodec(Optional.empty()).encode(request());
        try (DatagramSocket stranger = new DatagramSocket(0, InetAddress.getByName("127.0.0.2"))) {
            stranger.send(new DatagramPacket(request, request.length, InetAddress.getByName("127.0.0.1"), port));
            await("counted", () -> engines.get(0).rejections().count(RejectReason.UNSIGNED_REQUEST) == 1);
            assertNull(answer(stranger), "no answer to a stranger");
        }
        assertEquals(Role.MASTER, engines.get(0).role());
        assertEquals(10, engines.get(0).priority());
    }

    @Test
    void fromAnotherAddressOnlySignedOnceAndWithTheKey() throws Exception {
        Optional<AdvertKeys> keys = Optional.of(new AdvertKeys(KEY));
        start(keys);
        try (DatagramSocket stranger = new DatagramSocket(0, InetAddress.getByName("127.0.0.2"))) {
            InetSocketAddress nodeA = new InetSocketAddress("127.0.0.1", port);
            byte[] forged = new HandoverCodec(Optional.of(new AdvertKeys(
                    "not-the-key-of-this-group-0123456789".getBytes(StandardCharsets.US_ASCII)))).encode(request());
            stranger.send(new DatagramPacket(forged, forged.length, nodeA));
            await("forged: counted", () -> engines.get(0).rejections().count(RejectReason.BAD_TAG) == 1);
            assertNull(answer(stranger));
            assertEquals(Role.MASTER, engines.get(0).role());

            byte[] signed = new HandoverCodec(keys).encode(request());
            stranger.send(new DatagramPacket(signed, signed.length, nodeA));
            String accepted = answer(stranger);
            assertTrue(accepted != null && accepted.contains(" ACCEPTED handing over 198.51.100.50"), accepted);
            await("b holds the address alone", () -> cloud.currentHolders().equals(Set.of(ids.get(1))));
            exoip("handover", "--release", "--node", "127.0.0.1:" + port); // from this host: unsigned is fine
            await("a back", () -> engines.get(0).role() == Role.MASTER);

            stranger.send(new DatagramPacket(signed, signed.length, nodeA)); // the same bytes again
            await("replayed: counted", () -> engines.get(0).rejections().count(RejectReason.REPLAY) == 1);
            assertEquals(Role.MASTER, engines.get(0).role());
        }
        // The command signs with --auth-key-file, and the node accepts it.
        Path keyFile = dir.resolve("key");
        Files.write(keyFile, KEY);
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        assertEquals(0, exoip("handover", "--node", "127.0.0.1:" + port, "--auth-key-file", keyFile.toString()),
                err.toString());
    }

    private static String scrape(ExoipMetrics metrics) throws java.io.IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create().write(bytes,
                metrics.registry().scrape());
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static HandoverRequest request() {
        return new HandoverRequest(HandoverRequest.Action.HAND_OVER, Optional.empty(), Optional.empty(),
                Optional.empty(), Duration.ZERO, Duration.ZERO, AuthenticatedAdvertCodec.firstCounter(Clock.systemUTC()));
    }

    /** The answer on {@code socket}, or null when none comes within a second (the refusals are counted first). */
    private static String answer(DatagramSocket socket) throws Exception {
        socket.setSoTimeout(1000);
        DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        try {
            socket.receive(packet);
            return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
        } catch (SocketTimeoutException e) {
            return null;
        }
    }
}

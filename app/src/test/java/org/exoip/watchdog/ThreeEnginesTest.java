package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.CapturedLog;
import org.exoip.cloud.StaticPeers;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three engines in one JVM on real UDP sockets (127.0.0.1, .2, .3, one port), sharing one cloud. */
class ThreeEnginesTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int RATIO = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final List<UUID> ids = List.of(
            UUID.fromString("00000000-0000-4000-8000-00000000000a"),
            UUID.fromString("00000000-0000-4000-8000-00000000000b"),
            UUID.fromString("00000000-0000-4000-8000-00000000000c"));
    private int port;

    @BeforeEach
    void start() throws Exception {
        List<String> hosts = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");
        port = LoopbackPorts.retryWhileTaken(hosts, free -> {
            for (int i = 0; i < 3; i++) {
                NodeSettings node = new NodeSettings(ids.get(i), (Inet4Address) InetAddress.getByName("198.51.100.50"),
                        10, INTERVAL, RATIO);
                EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(hosts.get(i), free))
                        // No periodic repair within a test: every convergence here comes from the decisions.
                        .withReconcileInterval(Duration.ofHours(1));
                engines.add(WatchdogEngine.start(settings, cloud, new StaticPeers(hosts, w -> { })));
            }
            return free;
        }, () -> {
            engines.forEach(WatchdogEngine::kill);
            engines.clear();
        });
    }

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
    }

    private List<WatchdogEngine> masters() {
        return engines.stream().filter(e -> e.role() == Role.MASTER && !e.terminated().isDone()).toList();
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE.toMillis() + " ms: " + what + "; roles "
                        + engines.stream().map(WatchdogEngine::role).toList() + ", holders " + cloud.currentHolders()
                        + ", journal " + cloud.journal());
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void exactlyOneMasterHoldsTheAddressAndAbruptLossGivesExactlyOneNewMaster() throws Exception {
        await("one master holding the address alone", () -> masters().size() == 1
                && cloud.currentHolders().equals(Set.of(ids.get(0))));
        assertEquals(engines.get(0), masters().get(0), "equal priorities: lowest id wins");
        await("every other node is backup", () -> engines.stream().filter(e -> e.role() == Role.BACKUP).count() == 2);

        engines.get(0).kill();
        await("a new master holding the address alone", () -> masters().size() == 1
                && cloud.currentHolders().equals(Set.of(ids.get(1))));
        assertEquals(engines.get(1), masters().get(0));
        assertEquals(Role.BACKUP, engines.get(2).role());
    }

    @Test
    void aMasterBackFromAHangTakesTheAddressBackWithoutWaitingForTheReconcile() throws Exception {
        await("node a holds the address", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && engines.get(0).role() == Role.MASTER);
        CountDownLatch resume = new CountDownLatch(1);
        engines.get(0).freezeUntil(resume);
        await("node b took over while a was frozen", () -> cloud.currentHolders().equals(Set.of(ids.get(1))));
        int journalBefore = cloud.journal().size();

        resume.countDown();
        await("node a, still master in its own view, holds the address alone again",
                () -> cloud.currentHolders().equals(Set.of(ids.get(0))));
        await("b and c are backups", () -> engines.get(1).role() == Role.BACKUP && engines.get(2).role() == Role.BACKUP);
        var changes = cloud.journal().subList(journalBefore, cloud.journal().size());
        assertTrue(changes.stream().noneMatch(c -> c.holdersAfter().isEmpty()), "never without a holder: " + changes);
    }

    @Test
    void cleanStopHandsOverWithoutAMomentWithoutHolder() throws Exception {
        await("one master holding the address", () -> cloud.currentHolders().equals(Set.of(ids.get(0))));
        int journalBefore = cloud.journal().size();
        engines.get(0).stop();
        assertEquals(0, engines.get(0).terminated().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        await("the successor holds the address alone", () -> cloud.currentHolders().equals(Set.of(ids.get(1))));
        var changes = cloud.journal().subList(journalBefore, cloud.journal().size());
        assertTrue(changes.stream().noneMatch(c -> c.holdersAfter().isEmpty()), "never without a holder: " + changes);
        assertEquals(engines.get(1), masters().get(0));
    }

    @Test
    void signalsMoveTheMaster() throws Exception {
        await("node a is master", () -> cloud.currentHolders().equals(Set.of(ids.get(0))));
        try (CapturedLog log = CapturedLog.of(Level.INFO, ElasticIpElection.class)) {
            engines.get(2).adjustPriority(-1);
            // Signals are the only cause of such a move, and the line says which one.
            log.await(e -> e.getMessage().getFormattedMessage().equals("Priority 10 -> 9 (SIGUSR1)"), DEADLINE);
        }
        await("node c takes over once it is best", () -> cloud.currentHolders().equals(Set.of(ids.get(2)))
                && engines.get(2).role() == Role.MASTER);
        engines.get(2).adjustPriority(+1);
        engines.get(2).adjustPriority(+1);
        // The first step already ties c with a, which wins on its id: a can be master again before
        // c's loop has run the second step, so wait for both (a lost step times out here).
        await("node a is master again and c at priority 11", () -> cloud.currentHolders().equals(Set.of(ids.get(0)))
                && engines.get(0).role() == Role.MASTER && engines.get(2).priority() == 11);
        assertEquals(Role.BACKUP, engines.get(2).role());
    }

    @Test
    void infoAnswersTheSender() throws Exception {
        await("a master and two backups", () -> masters().size() == 1
                && engines.stream().filter(e -> e.role() == Role.BACKUP).count() == 2);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
                CapturedLog log = CapturedLog.of(Level.DEBUG, WatchdogEngine.class)) {
            client.setSoTimeout((int) DEADLINE.toMillis());
            byte[] query = "info\n".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(query, query.length, InetAddress.getByName("127.0.0.2"), port));
            DatagramPacket reply = new DatagramPacket(new byte[4096], 4096);
            client.receive(reply);
            String text = new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("Node        " + ids.get(1)), text);
            assertTrue(text.contains("\nState       BACKUP\n"), text);
            assertTrue(text.contains("Peer 127.0.0.1 id=" + ids.get(0) + " priority=10 alive"), text);
            assertNotEquals(-1, text.indexOf("Peer 127.0.0.3"), text);
            // One INFO line says who asked; the answer is logged at DEBUG only (it was 16 INFO lines).
            log.await(e -> e.getMessage().getFormattedMessage().startsWith("info: Dropped"), DEADLINE);
            List<String> infoLevel = log.at(Level.INFO).stream().map(e -> e.getMessage().getFormattedMessage())
                    .filter(m -> m.startsWith("info")).toList();
            assertEquals(List.of("info requested by 127.0.0.1:" + client.getLocalPort()), infoLevel);
            assertTrue(log.at(Level.DEBUG).stream().anyMatch(e -> e.getMessage().getFormattedMessage()
                    .equals("info: State       BACKUP")), log.events()::toString);
        }
    }

    @Test
    void garbageNeverStopsTheEngine() throws Exception {
        await("a master", () -> masters().size() == 1);
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            for (int len : new int[] {0, 1, 23, 24, 25, 1000}) {
                byte[] junk = new byte[len];
                java.util.Arrays.fill(junk, (byte) 0x5a);
                client.send(new DatagramPacket(junk, len, InetAddress.getByName("127.0.0.1"), port));
            }
        }
        await("the rejections are counted", () -> engines.get(0).rejections().total() >= 6);
        long sent = engines.get(0).advertsSent();
        await("still advertising", () -> engines.get(0).advertsSent() > sent + 4);
        assertEquals(1, masters().size());
    }
}

package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;
import org.exoip.protocol.AdvertKeys;
import org.exoip.protocol.AuthenticatedAdvertCodec;
import org.exoip.protocol.RejectReason;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node A, a real engine on 127.0.0.1, and its one peer B on 127.0.0.2: played by this test from a
 * socket bound to B's own address (what an attacker who can spoof B's address can do), or a real
 * engine for the restart test. Traffic on loopback only.
 */
class AuthenticatedAdvertsTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int RATIO = 6;
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Inet4Address EIP = ip("198.51.100.50");
    private static final byte[] KEY = "group-key-for-tests-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRONG_KEY = "an-attackers-guess-0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final UUID A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final ScheduledExecutorService peerB = Executors.newSingleThreadScheduledExecutor();
    private int port;
    private DatagramSocket socketB;

    @BeforeEach
    void bindPeerB() throws Exception {
        port = LoopbackPorts.freeUdpPort();
        socketB = new DatagramSocket(new InetSocketAddress("127.0.0.2", port));
    }

    @AfterEach
    void stop() {
        peerB.shutdownNow();
        engines.forEach(WatchdogEngine::kill);
        socketB.close();
    }

    private WatchdogEngine start(String host, UUID id, int priority, Optional<AdvertKeys> keys) throws Exception {
        NodeSettings node = new NodeSettings(id, EIP, priority, INTERVAL, RATIO);
        EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(host, port))
                .withReconcileInterval(Duration.ofMillis(500))
                .withAdvertKeys(keys);
        List<String> peers = host.equals("127.0.0.1") ? List.of("127.0.0.2") : List.of("127.0.0.1");
        WatchdogEngine engine = WatchdogEngine.start(settings, cloud, new StaticPeers(peers, w -> { }));
        engines.add(engine);
        return engine;
    }

    /** B advertises what {@code advert} supplies, every interval, from its own address. */
    private void keepBAlive(Supplier<byte[]> advert) {
        peerB.scheduleAtFixedRate(() -> send(socketB, advert.get()), 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void send(DatagramSocket from, byte[] bytes) {
        try {
            from.send(new DatagramPacket(bytes, bytes.length, InetAddress.getByName("127.0.0.1"), port));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the engine has handled everything received so far, then returns its info text. */
    private static String infoAfter(WatchdogEngine engine, RejectReason reason, long atLeast) throws Exception {
        await(reason + " counted", () -> engine.rejections().count(reason) >= atLeast);
        // info runs on the event loop after the rejected datagram's handler: any change is visible now.
        return engine.info().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void withAKeyForgeriesFromThePeersOwnAddressChangeNothing() throws Exception {
        AdvertKeys keys = new AdvertKeys(KEY);
        WatchdogEngine a = start("127.0.0.1", A, 10, Optional.of(keys));
        AuthenticatedAdvertCodec b = new AuthenticatedAdvertCodec(keys);
        long[] counter = {AuthenticatedAdvertCodec.firstCounter(Clock.systemUTC())};
        keepBAlive(() -> {
            synchronized (counter) {
                return b.encode(new Advert(20, EIP, B), counter[0]++);
            }
        });
        await("A is master with B alive at priority 20", () -> a.role() == Role.MASTER
                && info(a).contains("Peer 127.0.0.2 id=" + B + " priority=20 alive"));

        // A plain advert of the original format, priority 0, from B's own address.
        send(socketB, AdvertCodec.encode(new Advert(0, EIP, B)));
        String info = infoAfter(a, RejectReason.UNAUTHENTICATED, 1);
        assertEquals(Role.MASTER, a.role());
        assertTrue(info.contains("priority=20 alive"), info);

        // The authenticated format, priority 0, the highest counter, but a tag made with a wrong key.
        send(socketB, new AuthenticatedAdvertCodec(new AdvertKeys(WRONG_KEY)).encode(new Advert(0, EIP, B), -1L));
        info = infoAfter(a, RejectReason.BAD_TAG, 1);
        assertEquals(Role.MASTER, a.role());
        assertTrue(info.contains("priority=20 alive"), info);
        // Exactly the two forgeries, each under its reason (B's first advert may also have come before
        // A knew its peers, as unknown-sender: not what this test is about).
        assertEquals(1, a.rejections().count(RejectReason.UNAUTHENTICATED), info);
        assertEquals(1, a.rejections().count(RejectReason.BAD_TAG), info);
        assertTrue(info.contains("unauthenticated=1") && info.contains("bad-tag=1"), info);
        assertTrue(info.contains("Adverts     authenticated (HMAC-SHA256, 1 key(s) accepted)"), info);
    }

    @Test
    void withAKeyAReplayedAdvertIsRejectedAndARestartedSenderAcceptedAgain() throws Exception {
        AdvertKeys keys = new AdvertKeys(KEY);
        WatchdogEngine a = start("127.0.0.1", A, 10, Optional.of(keys));
        AuthenticatedAdvertCodec b = new AuthenticatedAdvertCodec(keys);
        long[] counter = {AuthenticatedAdvertCodec.firstCounter(Clock.systemUTC())};
        AtomicReference<Integer> priorityOfB = new AtomicReference<>(0);
        AtomicReference<byte[]> recorded = new AtomicReference<>();
        keepBAlive(() -> {
            synchronized (counter) {
                byte[] bytes = b.encode(new Advert(priorityOfB.get(), EIP, B), counter[0]++);
                recorded.compareAndSet(null, bytes);
                return bytes;
            }
        });
        await("B at priority 0 wins", () -> a.role() == Role.BACKUP);
        priorityOfB.set(20);
        await("B at priority 20 loses", () -> a.role() == Role.MASTER);

        // An eavesdropper plays B's first advert (priority 0, validly signed) again, from B's address.
        send(socketB, recorded.get());
        String info = infoAfter(a, RejectReason.REPLAY, 1);
        assertEquals(Role.MASTER, a.role());
        assertTrue(info.contains("priority=20 alive"), info);

        // B restarts: a new process, its counter from the wall clock again, far above the old run's.
        peerB.shutdownNow();
        peerB.awaitTermination(5, TimeUnit.SECONDS);
        long restartedCounter = AuthenticatedAdvertCodec.firstCounter(Clock.systemUTC());
        assertTrue(restartedCounter > counter[0], "a restart starts above the previous run");
        send(socketB, new AuthenticatedAdvertCodec(keys).encode(new Advert(0, EIP, B), restartedCounter));
        await("the restarted B is heard and wins", () -> a.role() == Role.BACKUP);
        assertEquals(1, a.rejections().count(RejectReason.REPLAY));
    }

    @Test
    void withKeysTwoRealEnginesAgreeAndARestartedEngineIsHeardAgain() throws Exception {
        socketB.close(); // B is a real engine here
        AdvertKeys keys = new AdvertKeys(KEY);
        WatchdogEngine a = start("127.0.0.1", A, 10, Optional.of(keys));
        WatchdogEngine b = start("127.0.0.2", B, 5, Optional.of(keys));
        await("B is master, A backup", () -> b.role() == Role.MASTER && a.role() == Role.BACKUP);

        b.kill();
        b.terminated().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        await("A takes over once B is dead", () -> a.role() == Role.MASTER);

        WatchdogEngine restarted = start("127.0.0.2", B, 5, Optional.of(keys));
        await("A hears the restarted B and lets it win", () -> a.role() == Role.BACKUP
                && restarted.role() == Role.MASTER);
        assertEquals(0, a.rejections().count(RejectReason.REPLAY));
        assertEquals(0, a.rejections().count(RejectReason.BAD_TAG));
    }

    @Test
    void withoutAKeyTheSameForgeryTakesOver() throws Exception {
        WatchdogEngine a = start("127.0.0.1", A, 10, Optional.empty());
        keepBAlive(() -> AdvertCodec.encode(new Advert(20, EIP, B)));
        await("A is master with B alive at priority 20", () -> a.role() == Role.MASTER
                && info(a).contains("Peer 127.0.0.2 id=" + B + " priority=20 alive"));

        long rejected = a.rejections().total();
        // B's next genuine advert (priority 20) makes A master again 50 ms later: watch the
        // transitions rather than poll the role, which could miss the moment.
        List<Role> entered = new CopyOnWriteArrayList<>();
        a.addTransitionListener(t -> entered.add(t.to().role()));
        send(socketB, AdvertCodec.encode(new Advert(0, EIP, B)));
        await("the forged priority 0 makes A step down", () -> entered.contains(Role.BACKUP));
        assertEquals(rejected, a.rejections().total(), "accepted, not rejected");
    }

    @Test
    void fromAnAddressThatIsNotAPeerEvenAValidAdvertIsDroppedAndCounted() throws Exception {
        WatchdogEngine a = start("127.0.0.1", A, 10, Optional.empty());
        keepBAlive(() -> AdvertCodec.encode(new Advert(20, EIP, B)));
        await("A is master", () -> a.role() == Role.MASTER && info(a).contains("priority=20 alive"));
        // B's first adverts may have come before A knew its peers: count from here.
        long before = a.unknownSenders();
        long rejectedBefore = a.rejections().total();
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
            send(stranger, AdvertCodec.encode(new Advert(0, EIP, UUID.randomUUID())));
            send(stranger, new byte[] {1, 2, 3});
        }
        String info = infoAfter(a, RejectReason.UNKNOWN_SENDER, before + 2);
        assertEquals(Role.MASTER, a.role());
        assertEquals(before + 2, a.unknownSenders());
        assertEquals(rejectedBefore + 2, a.rejections().total(), "counted once, as unknown sender: " + a.rejections());
        assertTrue(info.contains("Dropped     unknown-sender=" + (before + 2)), info);
    }

    private static String info(WatchdogEngine engine) {
        try {
            return engine.info().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE.toMillis() + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    private static Inet4Address ip(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (Exception e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}

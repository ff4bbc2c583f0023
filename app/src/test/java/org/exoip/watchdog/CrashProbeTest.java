package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A crashed exoip process on a host that is still up: the host answers our adverts with ICMP port
 * unreachable. The engine's monotonic clock is frozen once it is a backup, so the master it follows
 * can never die by the dead time here: only the refused adverts can make the backup take over.
 * Real sockets on loopback; the "master" is a plain socket that a test closes, as a crash would.
 */
class CrashProbeTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int RATIO = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final UUID A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private final ScheduledExecutorService masterB = Executors.newSingleThreadScheduledExecutor();
    private WatchdogEngine a;
    private DatagramSocket socketB;
    private int port;

    @BeforeEach
    void bind() throws Exception {
        port = LoopbackPorts.freeUdpPort();
        socketB = new DatagramSocket(new InetSocketAddress("127.0.0.2", port));
    }

    @AfterEach
    void stop() {
        masterB.shutdownNow();
        socketB.close();
        if (a != null) {
            a.kill();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        AdvertFloodTest.await(what, condition, DEADLINE);
    }

    /** A follows B (priority 10, a plain socket advertising every interval); then A's clock stops. */
    private void startBackupOfB(boolean crashProbe) throws Exception {
        Inet4Address eip = (Inet4Address) InetAddress.getByName("198.51.100.50");
        EngineSettings settings = EngineSettings.of(new NodeSettings(A, eip, 20, INTERVAL, RATIO),
                        new InetSocketAddress("127.0.0.1", port))
                .withReconcileInterval(Duration.ofHours(1))
                .withCrashProbe(crashProbe);
        settings = new EngineSettings(settings.node(), settings.bind(), settings.reconcileInterval(),
                settings.peerRefresh(), settings.apiTimeout(), clock::get, settings.wallClock(), Optional.empty(),
                settings.advertCopies(), settings.crashProbe(), settings.keepWarm(), settings.kept());
        a = WatchdogEngine.start(settings, cloud, new StaticPeers(List.of("127.0.0.2"), w -> { }));
        byte[] advert = AdvertCodec.encode(new Advert(10, eip, B));
        masterB.scheduleAtFixedRate(() -> {
            try {
                socketB.send(new DatagramPacket(advert, advert.length, InetAddress.getByName("127.0.0.1"), port));
            } catch (Exception e) {
                // closed: B crashed
            }
        }, 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        await("A hears B", () -> a.peerStatuses().join().stream().anyMatch(LivenessTracker.PeerStatus::alive));
        // Past the hold-off but not past B's dead time (it carries a late allowance): A decides, B alive.
        clock.addAndGet(INTERVAL.multipliedBy(RATIO).toNanos() + 1);
        await("A is B's backup", () -> a.role() == Role.BACKUP);
    }

    @Test
    void aPeerWhosePortRefusesTwoAdvertsIsDeadAtOnce() throws Exception {
        startBackupOfB(true);
        masterB.shutdownNow();
        socketB.close();
        await("A takes over from the refusals alone (its clock no longer moves)", () -> a.role() == Role.MASTER);
    }

    @Test
    void withoutTheProbeRefusalsChangeNothing() throws Exception {
        startBackupOfB(false);
        masterB.shutdownNow();
        socketB.close();
        long sent = a.advertsSent();
        await("A sends five more adverts to B's closed port", () -> a.advertsSent() >= sent + 5);
        assertEquals(Role.BACKUP, a.role());
    }
}

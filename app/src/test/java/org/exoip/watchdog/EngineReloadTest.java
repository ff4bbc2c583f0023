package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.PeerSource;
import org.exoip.protocol.AdvertKeys;
import org.exoip.protocol.RejectReason;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What SIGHUP asks of a running engine (new advert keys, the peers read again now) and how it
 * tells a node that shares its instance id, on real UDP sockets on loopback.
 */
class EngineReloadTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final AdvertKeys FIRST = keys("first-group-key-0123456789abcdef0123");
    private static final AdvertKeys SECOND = keys("second-group-key-0123456789abcdef012");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private int port;

    private static AdvertKeys keys(String text) {
        return new AdvertKeys(text.getBytes(StandardCharsets.US_ASCII));
    }

    @BeforeEach
    void pickPort() throws Exception {
        port = LoopbackPorts.freeUdpPort();
    }

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
    }

    private WatchdogEngine start(String host, UUID id, Optional<AdvertKeys> keys, PeerSource peers) throws Exception {
        NodeSettings node = new NodeSettings(id, (Inet4Address) InetAddress.getByName("198.51.100.50"), 10,
                INTERVAL, 3);
        EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(host, port))
                .withReconcileInterval(Duration.ofHours(1))
                .withPeerRefresh(Duration.ofHours(1))
                .withAdvertKeys(keys);
        WatchdogEngine engine = WatchdogEngine.start(settings, cloud, peers);
        engines.add(engine);
        return engine;
    }

    /** A peer list that a test changes, counting its reads. */
    private static final class MovablePeers implements PeerSource {
        final AtomicReference<Set<InetAddress>> addresses = new AtomicReference<>(Set.of());
        final AtomicInteger reads = new AtomicInteger();

        MovablePeers(String... hosts) throws Exception {
            set(hosts);
        }

        void set(String... hosts) throws Exception {
            List<InetAddress> list = new ArrayList<>();
            for (String host : hosts) {
                list.add(InetAddress.getByName(host));
            }
            addresses.set(Set.copyOf(list));
        }

        @Override
        public PeerList peers() {
            reads.incrementAndGet();
            return new PeerList(addresses.get(), Membership.NOT_APPLICABLE);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        AdvertFloodTest.await(what, condition, DEADLINE);
    }

    private static boolean hears(WatchdogEngine engine, String peer) {
        return engine.peerStatuses().join().stream()
                .anyMatch(p -> p.alive() && p.address().getHostAddress().equals(peer));
    }

    @Test
    void newAdvertKeysSignAndCheckFromTheNextAdvert() throws Exception {
        WatchdogEngine a = start("127.0.0.1", UUID.randomUUID(), Optional.of(FIRST), new MovablePeers("127.0.0.2"));
        WatchdogEngine b = start("127.0.0.2", UUID.randomUUID(), Optional.of(FIRST), new MovablePeers("127.0.0.1"));
        await("b hears a", () -> hears(b, "127.0.0.1"));

        a.useAdvertKeys(SECOND);
        long badTags = b.rejections().count(RejectReason.BAD_TAG);
        await("b refuses a's adverts signed with the new key",
                () -> b.rejections().count(RejectReason.BAD_TAG) > badTags + 3);

        b.useAdvertKeys(SECOND);
        await("b hears a again once it has the new key too", () -> hears(b, "127.0.0.1"));
        await("and a hears b", () -> hears(a, "127.0.0.2"));
    }

    @Test
    void refreshPeersNowReadsThePeersAtOnceAndKeepsTheSchedule() throws Exception {
        MovablePeers peers = new MovablePeers("127.0.0.9");
        WatchdogEngine a = start("127.0.0.1", UUID.randomUUID(), Optional.empty(), peers);
        start("127.0.0.2", UUID.randomUUID(), Optional.empty(), new MovablePeers("127.0.0.1"));
        await("the first read", () -> peers.reads.get() == 1);

        peers.set("127.0.0.2");
        a.refreshPeersNow();
        await("a reads its peers again at once (the refresh is an hour away) and hears b",
                () -> hears(a, "127.0.0.2"));
        assertEquals(2, peers.reads.get());
    }

    @Test
    void aNodeWithOurInstanceIdIsCountedNotTakenForUs() throws Exception {
        UUID one = UUID.randomUUID();
        WatchdogEngine a = start("127.0.0.1", one, Optional.empty(), new MovablePeers("127.0.0.2"));
        WatchdogEngine clone = start("127.0.0.2", one, Optional.empty(), new MovablePeers("127.0.0.1"));

        await("each counts the other's adverts as a duplicate id", () ->
                a.rejections().count(RejectReason.DUPLICATE_ID) > 2
                        && clone.rejections().count(RejectReason.DUPLICATE_ID) > 2);
        assertTrue(a.info().join().contains("duplicate-id="), a.info().join());
    }
}

package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.ElasticIpProviders;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.health.NodeHealth;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three engines on real UDP sockets (127.0.0.1, .2, .3, one port) keeping three Elastic IPs, each
 * address with a cloud of its own: one election per address over one socket and one peer list.
 */
class SeveralElasticIpsTest {

    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final int RATIO = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");
    private static final List<Inet4Address> EIPS = List.of(ip("198.51.100.50"), ip("198.51.100.51"),
            ip("198.51.100.52"));

    private final Map<Inet4Address, InMemoryElasticIpProvider> clouds = new HashMap<>();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final List<UUID> ids = List.of(
            UUID.fromString("00000000-0000-4000-8000-00000000000a"),
            UUID.fromString("00000000-0000-4000-8000-00000000000b"),
            UUID.fromString("00000000-0000-4000-8000-00000000000c"));
    private int port;

    SeveralElasticIpsTest() throws Exception {
        EIPS.forEach(a -> clouds.put(a, new InMemoryElasticIpProvider()));
        port = LoopbackPorts.freeUdpPort();
    }

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
    }

    private WatchdogEngine start(int i, boolean spread, boolean noPreempt) throws Exception {
        return start(i, spread, noPreempt, java.util.Optional.empty());
    }

    private WatchdogEngine start(int i, boolean spread, boolean noPreempt,
            java.util.Optional<org.exoip.protocol.AdvertKeys> keys) throws Exception {
        NodeSettings node = new NodeSettings(ids.get(i), EIPS.get(0), 10, INTERVAL, RATIO);
        KeptAddresses kept = new KeptAddresses(EIPS.stream().map(KeptAddresses.KeptAddress::of).toList(), spread,
                noPreempt);
        EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(HOSTS.get(i), port))
                .withElasticIps(kept)
                .withAdvertKeys(keys)
                .withReconcileInterval(Duration.ofHours(1));
        WatchdogEngine engine = WatchdogEngine.start(settings, ElasticIpProviders.of(clouds),
                new StaticPeers(HOSTS, w -> { }), NodeHealth.NONE);
        if (i < engines.size()) {
            engines.set(i, engine);
        } else {
            engines.add(engine);
        }
        return engine;
    }

    /** Each address's sole holder, or null while it has none or several. */
    private Map<Inet4Address, UUID> holders() {
        Map<Inet4Address, UUID> out = new HashMap<>();
        clouds.forEach((a, cloud) -> {
            Set<UUID> h = cloud.currentHolders();
            out.put(a, h.size() == 1 ? h.iterator().next() : null);
        });
        return out;
    }

    /** Each address is held alone by the engine that is its master, and by the engine its own view says. */
    private boolean settled() {
        Map<Inet4Address, UUID> holders = holders();
        for (Inet4Address a : EIPS) {
            UUID holder = holders.get(a);
            if (holder == null) {
                return false;
            }
            for (int i = 0; i < engines.size(); i++) {
                WatchdogEngine e = engines.get(i);
                if (e.terminated().isDone()) {
                    continue;
                }
                Role expected = ids.get(i).equals(holder) ? Role.MASTER : Role.BACKUP;
                if (state(e, a).role() != expected) {
                    return false;
                }
            }
        }
        return true;
    }

    private static WatchdogEngine.ElasticIpState state(WatchdogEngine engine, Inet4Address address) {
        return engine.elasticIps().stream().filter(s -> s.address().equals(address)).findFirst().orElseThrow();
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE.toMillis() + " ms: " + what + "; holders "
                        + holders() + ", roles " + engines.stream().map(e -> e.elasticIps().stream()
                                .map(s -> s.address().getHostAddress() + "=" + s.role()).toList()).toList());
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    @Test
    void withSpreadEachNodeMastersOneAndACrashMovesOnlyItsAddressWhichComesBack() throws Exception {
        for (int i = 0; i < 3; i++) {
            start(i, true, false);
        }
        await("each address held alone by its master", this::settled);
        Map<Inet4Address, UUID> placed = holders();
        assertEquals(Set.copyOf(ids), Set.copyOf(placed.values()), "three nodes, three addresses: one each");

        UUID crashed = ids.get(1);
        Inet4Address lost = EIPS.stream().filter(a -> placed.get(a).equals(crashed)).findFirst().orElseThrow();
        Map<Inet4Address, Integer> writesBefore = writes();
        engines.get(1).kill();
        await("the crashed node's address held by a survivor", () -> {
            UUID now = holders().get(lost);
            return now != null && !now.equals(crashed) && settled();
        });
        for (Inet4Address a : EIPS) {
            if (!a.equals(lost)) {
                assertEquals(placed.get(a), holders().get(a), a + " moved although its master is alive");
                assertEquals(writesBefore.get(a), writes().get(a), "no write at all for " + a);
            }
        }

        start(1, true, false);
        await("the node is back with its address (the default: preempt)",
                () -> crashed.equals(holders().get(lost)) && settled());
        assertEquals(placed, holders());
    }

    @Test
    void authenticatedAdvertsOfEveryAddressShareOneCounterAndAllAreAccepted() throws Exception {
        var keys = java.util.Optional.of(new org.exoip.protocol.AdvertKeys(
                "several-addresses-key-0123456789ab".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        for (int i = 0; i < 3; i++) {
            start(i, true, false, keys);
        }
        await("each address held alone by its master", this::settled);
        assertEquals(Set.copyOf(ids), Set.copyOf(holders().values()), "one each");
        long sent = engines.get(0).advertsSent();
        await("a round of adverts later", () -> engines.get(0).advertsSent() > sent + 6);
        // (Before its peers are listed, a node drops what it hears as from strangers: not counted here.)
        for (WatchdogEngine e : engines) {
            assertEquals(0, e.rejections().count(org.exoip.protocol.RejectReason.REPLAY)
                    + e.rejections().count(org.exoip.protocol.RejectReason.BAD_TAG),
                    "no advert of any address taken for a replay or forgery: " + e.rejections().snapshot());
        }
    }

    @Test
    void withNoPreemptAnAddressStaysWithItsNewMasterWhenTheBetterNodeReturns() throws Exception {
        for (int i = 0; i < 3; i++) {
            start(i, true, true);
        }
        await("each address held alone by its master", this::settled);
        // Whoever holds the first address crashes: without preempt, the placement depends on when
        // each node started deciding (on a loaded machine one may take all before the others do).
        Inet4Address lost = EIPS.get(0);
        UUID crashed = holders().get(lost);
        int k = ids.indexOf(crashed);
        engines.get(k).kill();
        await("a survivor holds the crashed node's address",
                () -> holders().get(lost) != null && !crashed.equals(holders().get(lost)) && settled());
        UUID heir = holders().get(lost);

        WatchdogEngine back = start(k, true, true);
        await("the returning node is a backup of every address", () -> back.elasticIps().stream()
                .allMatch(s -> s.role() == Role.BACKUP));
        // Past two hold-offs of the returning node: it would have taken the address back by now.
        long until = System.nanoTime() + INTERVAL.multipliedBy(RATIO * 4L).toNanos();
        while (System.nanoTime() - until < 0) {
            assertEquals(heir, holders().get(lost), "no preempt: the address stays with " + heir);
            TimeUnit.MILLISECONDS.sleep(5);
        }
        assertTrue(settled());
    }

    @Test
    void withoutSpreadTheBestNodeMastersAllAndACleanStopHandsEveryOneOver() throws Exception {
        for (int i = 0; i < 3; i++) {
            start(i, false, false);
        }
        await("node a (lowest id) holds all three", () -> settled()
                && holders().values().stream().allMatch(ids.get(0)::equals));
        engines.get(0).stop();
        assertEquals(0, engines.get(0).terminated().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS),
                "the stop waited for a successor of each address");
        assertTrue(holders().values().stream().allMatch(ids.get(1)::equals), "b holds all three: " + holders());
        for (InMemoryElasticIpProvider cloud : clouds.values()) {
            assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()),
                    "never without a holder: " + cloud.journal());
        }
    }

    @Test
    void aNodeOfOneAddressInTheOriginalsFormatAgreesWithANodeOfSeveral() throws Exception {
        // The peer at 127.0.0.2 is an original exoip keeping the first address only: a raw socket
        // sending the original's 24 bytes (priority 5), the reference page's worked example.
        try (DatagramSocket original = new DatagramSocket(new InetSocketAddress("127.0.0.2", port))) {
            original.setSoTimeout(200);
            NodeSettings node = new NodeSettings(ids.get(0), EIPS.get(0), 10, INTERVAL, RATIO);
            EngineSettings settings = EngineSettings.of(node, new InetSocketAddress("127.0.0.1", port))
                    .withElasticIps(new KeptAddresses(List.of(KeptAddresses.KeptAddress.of(EIPS.get(0)),
                            KeptAddresses.KeptAddress.of(EIPS.get(1))), false, false))
                    .withReconcileInterval(Duration.ofHours(1));
            engines.add(WatchdogEngine.start(settings, ElasticIpProviders.of(clouds),
                    new StaticPeers(List.of("127.0.0.2"), w -> { }), NodeHealth.NONE));
            byte[] golden = HexFormat.of().parseHex("02010505" + "c6336432" + "1128bd56b4d94ac6a7b9c715b187ce11");
            InetSocketAddress engine = new InetSocketAddress("127.0.0.1", port);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            byte[] heard = null;
            while (System.nanoTime() - deadline < 0 && !(state(engines.get(0), EIPS.get(0)).role() == Role.BACKUP
                    && state(engines.get(0), EIPS.get(1)).role() == Role.MASTER && heard != null)) {
                original.send(new DatagramPacket(golden, golden.length, engine));
                DatagramPacket in = new DatagramPacket(new byte[100], 100);
                try {
                    original.receive(in);
                    byte[] bytes = Arrays.copyOf(in.getData(), in.getLength());
                    if (bytes.length == 24 && Arrays.equals(Arrays.copyOfRange(bytes, 4, 8), EIPS.get(0).getAddress())) {
                        heard = bytes;
                    }
                } catch (SocketTimeoutException e) {
                    // nothing this round: send again
                }
            }
            assertEquals(Role.BACKUP, state(engines.get(0), EIPS.get(0)).role(), "the original's node is better");
            assertEquals(Role.MASTER, state(engines.get(0), EIPS.get(1)).role(), "the original keeps no other");
            assertTrue(heard != null, "the original's node hears an advert for its address");
            assertArrayEquals(HexFormat.of().parseHex("02010a0a" + "c6336432" + "000000000000400080000000000000" + "0a"),
                    heard, "the original's 24 bytes: version, priority twice, address, id");
        }
    }

    private Map<Inet4Address, Integer> writes() {
        Map<Inet4Address, Integer> out = new HashMap<>();
        clouds.forEach((a, cloud) -> out.put(a, cloud.writes()));
        return out;
    }

    private static Inet4Address ip(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}

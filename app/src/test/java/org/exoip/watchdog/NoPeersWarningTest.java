package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.PeerSource;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node whose peer list names only itself says that it runs alone: at start, and when a refresh leaves no peer. */
class NoPeersWarningTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String WARNING = "No peers: ";

    private final AtomicReference<Set<InetAddress>> listed = new AtomicReference<>();
    private final AtomicInteger refreshes = new AtomicInteger();
    private final AdvertFloodTest.CountingAppender warnings = AdvertFloodTest.CountingAppender.attach();
    private WatchdogEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.kill();
        }
        warnings.detach();
    }

    @Test
    void warnsOnceAtStartAndOnceWhenARefreshLeavesNone() throws Exception {
        InetAddress self = InetAddress.getByName("127.0.0.1");
        InetAddress other = InetAddress.getByName("127.0.0.2");
        listed.set(Set.of(self));
        int port;
        port = LoopbackPorts.freeUdpPort();
        NodeSettings node = new NodeSettings(UUID.randomUUID(), (Inet4Address) InetAddress.getByName("198.51.100.50"),
                10, Duration.ofMillis(100), 3);
        EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(self, port))
                .withPeerRefresh(Duration.ofMillis(20));
        PeerSource source = () -> {
            refreshes.incrementAndGet();
            return new PeerSource.PeerList(listed.get(), PeerSource.Membership.NOT_APPLICABLE);
        };
        engine = WatchdogEngine.start(settings, new InMemoryElasticIpProvider(), source);

        await("the warning at start", () -> noPeerWarnings() == 1);
        afterMoreRefreshes(3);
        assertEquals(1, noPeerWarnings(), "not repeated while nothing changes: " + warnings.messages());
        assertEquals(List.of("No peers: the peer list names only this node ([127.0.0.1]); running alone, nothing can "
                + "take over the Elastic IP if this node fails"), noPeerMessages());

        listed.set(Set.of(self, other));
        afterMoreRefreshes(3);
        assertEquals(1, noPeerWarnings(), "a peer: no warning: " + warnings.messages());

        listed.set(Set.of());
        await("the warning when a refresh leaves none", () -> noPeerWarnings() == 2);
        afterMoreRefreshes(3);
        assertEquals(2, noPeerWarnings(), warnings.messages().toString());
        assertEquals("No peers: the peer list is empty; running alone, nothing can take over the Elastic IP if this "
                + "node fails", noPeerMessages().get(1));
    }

    private List<String> noPeerMessages() {
        return warnings.messages().stream().filter(m -> m.startsWith(WARNING)).toList();
    }

    private long noPeerWarnings() {
        return noPeerMessages().size();
    }

    /** Waits until the engine has read the peers {@code n} more times, and applied the last of them. */
    private void afterMoreRefreshes(int n) throws InterruptedException {
        int target = refreshes.get() + n + 1;
        await(n + " more refreshes", () -> refreshes.get() >= target);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        AdvertFloodTest.await(what, condition, DEADLINE);
    }
}

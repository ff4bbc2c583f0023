package org.exoip.watchdog;

import static org.exoip.watchdog.AdvertFloodTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.health.CheckSpec;
import org.exoip.health.HealthMonitor;
import org.exoip.health.NodeHealth;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two engines on real UDP sockets; the better one follows a real HTTP check of a real local server.
 * Its service failing makes it advertise 255 and the other take over while it is still alive and
 * advertising (so through the election, not the dead time); the service back, it is master again.
 */
class HealthFailoverTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final UUID A = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID B = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private HttpServer service;
    private HealthMonitor health;

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
        if (health != null) {
            health.close();
        }
        if (service != null) {
            service.stop(0);
        }
    }

    private WatchdogEngine engine(UUID id, String host, int port, int priority, NodeHealth checks) throws Exception {
        NodeSettings node = new NodeSettings(id, (Inet4Address) InetAddress.getByName("198.51.100.50"), priority,
                INTERVAL, 3);
        EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(host, port))
                .withReconcileInterval(Duration.ofHours(1));
        WatchdogEngine engine = WatchdogEngine.start(settings, cloud,
                new StaticPeers(List.of("127.0.0.1", "127.0.0.2"), w -> { }), checks);
        engines.add(engine);
        return engine;
    }

    /**
     * A (priority 10, with {@code checksOfA}) on 127.0.0.1 and B (20, no checks) on 127.0.0.2, on
     * one free port; another port when another process took it before A or B bound it.
     */
    private WatchdogEngine[] pair(NodeHealth checksOfA) throws Exception {
        return LoopbackPorts.retryWhileTaken(List.of("127.0.0.1", "127.0.0.2"),
                port -> new WatchdogEngine[] {engine(A, "127.0.0.1", port, 10, checksOfA),
                    engine(B, "127.0.0.2", port, 20, NodeHealth.NONE)},
                () -> {
                    engines.forEach(WatchdogEngine::kill);
                    engines.clear();
                });
    }

    @Test
    void aFailingServiceMovesTheElasticIpWhileItsNodeStaysAliveAndItComesBackWithTheService() throws Exception {
        service = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        service.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        service.start();
        String url = "http://127.0.0.1:" + service.getAddress().getPort() + "/healthz";
        health = new HealthMonitor(List.of(new CheckSpec(CheckSpec.Kind.HTTP, url, List.of(), Duration.ofMillis(50),
                Duration.ofSeconds(2), 1, 2, true, 0)), Optional.empty(), Optional.empty(), A.toString(),
                System::nanoTime);
        WatchdogEngine[] pair = pair(health);
        WatchdogEngine a = pair[0];
        WatchdogEngine b = pair[1];
        health.start();
        await("A master and alone holding the address", () -> a.role() == Role.MASTER
                && cloud.currentHolders().equals(Set.of(A)), DEADLINE);

        status.set(503);
        await("B master and alone holding the address", () -> b.role() == Role.MASTER
                && cloud.currentHolders().equals(Set.of(B)), DEADLINE);
        assertEquals(Role.FAULT, a.role());
        assertEquals(255, a.priority());
        String info = b.info().get(5, TimeUnit.SECONDS);
        assertTrue(info.contains("Peer 127.0.0.1 id=" + A + " priority=255 alive"), info);
        String own = a.info().get(5, TimeUnit.SECONDS);
        assertTrue(own.contains("Priority    255 (FAULT: check http " + url + " failing; base 10)"), own);
        assertTrue(own.contains("Check http " + url + " FAILING (fault"), own);
        assertTrue(own.contains("last-error=HTTP 503"), own);
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()),
                "never without a holder: " + cloud.journal());

        status.set(200);
        // B's own view follows A's advert, not the cloud: wait for both.
        await("A master again, alone holding the address, and B backup", () -> a.role() == Role.MASTER
                && cloud.currentHolders().equals(Set.of(A)) && b.role() == Role.BACKUP, DEADLINE);
        assertTrue(cloud.journal().stream().noneMatch(c -> c.holdersAfter().isEmpty()),
                "never without a holder: " + cloud.journal());
    }

    @Test
    void aCheckThatHangsDelaysNoAdvertAndNoDecision() throws Exception {
        health = new HealthMonitor(List.of(new CheckSpec(CheckSpec.Kind.EXEC, "sleep 1000", List.of("sleep", "1000"),
                Duration.ofMillis(50), Duration.ofSeconds(60), 1, 1, false, 0)), Optional.empty(), Optional.empty(),
                A.toString(), System::nanoTime);
        health.start();
        WatchdogEngine[] pair = pair(health);
        WatchdogEngine a = pair[0];
        WatchdogEngine b = pair[1];
        await("A master while its check hangs", () -> a.role() == Role.MASTER && b.role() == Role.BACKUP
                && cloud.currentHolders().equals(Set.of(A)), DEADLINE);
        long sent = a.advertsSent();
        await("A advertising on", () -> a.advertsSent() >= sent + 10, DEADLINE);
        assertEquals(0, health.statuses().get(0).runs(), "the first run is still in flight");
    }
}

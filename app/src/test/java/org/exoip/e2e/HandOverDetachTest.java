package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.logging.CapturedLog;
import org.exoip.watchdog.CloudReconciler;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A clean hand-over against the stand-in, counting its calls: the old master is detached once,
 * by its successor, not a second time by itself; and a peer that is stopping too is never taken
 * for a successor. Operations take a second here, so that a stopping master polling the holders
 * surely sees the moment when both it and its successor hold the Elastic IP.
 */
class HandOverDetachTest {

    private static final Duration INTERVAL = Duration.ofMillis(200); // hold-offs of 600 ms: room on a busy machine
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String DETACH = "PUT /v2/elastic-ip/{id}:detach";
    private static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final List<UUID> ids = new ArrayList<>();
    private StandinServer standin;
    private String eip;

    private void start(int nodes) throws Exception {
        standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0));
        eip = StandinCloud.prepare(standin);
        for (int i = 0; i < nodes; i++) {
            ids.add(UUID.fromString(standin.state().addInstance("node-" + i, HOSTS.get(i), "exoip").id()));
        }
        int port = LoopbackPorts.freeUdpPort();
        for (int i = 0; i < nodes; i++) {
            EngineSettings settings = EngineSettings.of(
                    new NodeSettings(ids.get(i), StandinCloud.elasticIp(), 10 * (i + 1), INTERVAL, 3),
                    new InetSocketAddress(HOSTS.get(i), port)).withReconcileInterval(Duration.ofHours(1));
            engines.add(WatchdogEngine.start(settings, StandinCloud.provider(standin, Set.copyOf(ids),
                    ApiCallListener.NONE), new StaticPeers(HOSTS.subList(0, nodes), w -> { })));
            if (i == 0) {
                // The others start once node-0 holds it: they hear it in their hold-off and touch nothing.
                StandinCloud.await("node-0 master, alone holding", () -> engines.get(0).role() == Role.MASTER
                        && standin.state().holders(eip).equals(Set.of(ids.get(0).toString())), DEADLINE);
            }
        }
        StandinCloud.await("the others backups", () -> engines.stream().skip(1)
                .allMatch(e -> e.role() == Role.BACKUP), DEADLINE);
        assertEquals(1, standin.events().size(), "node-0's attach alone: " + standin.events());
        standin.state().setOperationDelay(Duration.ofSeconds(1));
    }

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
        if (standin != null) {
            standin.close();
        }
    }

    @Test
    void theOldMasterIsDetachedOnceByItsSuccessor() throws Exception {
        start(2);
        long detachesBefore = standin.requestCounts().getOrDefault(DETACH, 0L);

        engines.get(0).stop();

        assertEquals(0, engines.get(0).terminated().get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(Set.of(ids.get(1).toString()), standin.state().holders(eip));
        assertEquals(1, standin.requestCounts().getOrDefault(DETACH, 0L) - detachesBefore,
                "detaches of the old master: " + standin.events());
    }

    @Test
    void twoNodesStoppingTogetherDoNotTakeEachOtherForASuccessor() throws Exception {
        start(3);
        try (CapturedLog log = CapturedLog.of(Level.INFO, CloudReconciler.class)) {
            long detachesBefore = standin.requestCounts().getOrDefault(DETACH, 0L);
            engines.get(0).stop();
            StandinCloud.await("node-1 master", () -> engines.get(1).role() == Role.MASTER, DEADLINE);
            engines.get(1).stop(); // while its attach is under way: both will hold it, both stopping

            assertEquals(0, engines.get(0).terminated().get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, engines.get(1).terminated().get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertEquals(Set.of(ids.get(2).toString()), standin.state().holders(eip), "node-2 took over");
            for (int stopping = 0; stopping < 2; stopping++) {
                String other = ids.get(1 - stopping).toString();
                assertTrue(log.events().stream().map(e -> e.getMessage().getFormattedMessage())
                        .noneMatch(m -> m.startsWith("Successor [" + other + "]")),
                        "a node stopping too was taken for a successor: " + log.events().stream()
                                .map(e -> e.getMessage().getFormattedMessage()).toList());
            }
            assertTrue(standin.events().stream().allMatch(e -> !e.holdersAfter().isEmpty()),
                    "never without a holder: " + standin.events());
            // node-1's attach may or may not have landed before its stop (it was under way): each
            // stopping node that came to hold the address is detached once, by node-2, never twice.
            long held = standin.events().stream()
                    .filter(e -> e.kind() == org.exoip.exoscale.standin.AttachmentEvent.Kind.ATTACH)
                    .map(e -> e.instanceId())
                    .filter(id -> id.equals(ids.get(0).toString()) || id.equals(ids.get(1).toString()))
                    .distinct().count();
            assertEquals(held, standin.requestCounts().getOrDefault(DETACH, 0L) - detachesBefore,
                    "node-2 detached each of them once, neither detached itself: " + standin.events());
        }
    }
}

package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.exoip.cli.ExoipCommand;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.standin.AttachmentEvent;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code exoip handover} against three engines on real UDP whose cloud is the stand-in Exoscale API
 * over HTTP: the confirmation is what the API shows, the address never without a holder, and the
 * old master detached once, by its successor.
 */
class PlannedHandoverStandinTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String DETACH = "PUT /v2/elastic-ip/{id}:detach";
    private static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

    private final List<WatchdogEngine> engines = new ArrayList<>();
    private final List<UUID> ids = new ArrayList<>();
    private StandinServer standin;

    @AfterEach
    void stop() {
        engines.forEach(WatchdogEngine::kill);
        if (standin != null) {
            standin.close();
        }
    }

    @Test
    void theNewHolderAloneAtTheApiNeverNone() throws Exception {
        standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0));
        String eip = StandinCloud.prepare(standin);
        for (int i = 0; i < 3; i++) {
            ids.add(UUID.fromString(standin.state().addInstance("node-" + i, HOSTS.get(i), "exoip").id()));
        }
        int port = org.exoip.testkit.LoopbackPorts.freeUdpPort();
        for (int i = 0; i < 3; i++) {
            EngineSettings settings = EngineSettings.of(
                    new NodeSettings(ids.get(i), StandinCloud.elasticIp(), 10 * (i + 1), INTERVAL, 3),
                    new InetSocketAddress(HOSTS.get(i), port)).withReconcileInterval(Duration.ofHours(1));
            engines.add(WatchdogEngine.start(settings, StandinCloud.provider(standin, Set.copyOf(ids),
                    ApiCallListener.NONE), new StaticPeers(HOSTS, w -> { })));
        }
        StandinCloud.await("node-0 master holding it alone, the others backups", () -> engines.get(0).role() == Role.MASTER
                && standin.state().holders(eip).equals(Set.of(ids.get(0).toString()))
                && engines.stream().skip(1).allMatch(e -> e.role() == Role.BACKUP), DEADLINE);
        int eventsBefore = standin.events().size();
        long detachesBefore = standin.requestCounts().getOrDefault(DETACH, 0L);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = ExoipCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(0, cmd.execute("handover", "--node", "127.0.0.1:" + port, "--to", "127.0.0.2", "--timeout", "20"),
                out + " / " + err);

        assertTrue(out.toString().contains("done: " + StandinCloud.elasticIp().getHostAddress() + " held by " + ids.get(1) + " alone after "), out.toString());
        // What the command confirmed is what the API shows, at once.
        assertEquals(Set.of(ids.get(1).toString()), standin.state().holders(eip));
        List<AttachmentEvent> events = standin.events().subList(eventsBefore, standin.events().size());
        assertTrue(events.stream().noneMatch(e -> e.holdersAfter().isEmpty()), "never without a holder: " + events);
        assertEquals(1, standin.requestCounts().getOrDefault(DETACH, 0L) - detachesBefore,
                "node-0 detached once, by node-1: " + events);
        assertEquals(Role.BACKUP, engines.get(0).role());
        assertEquals(255, engines.get(0).priority());
    }
}

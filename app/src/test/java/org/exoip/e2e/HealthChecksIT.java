package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;
import org.exoip.exoscale.standin.AttachmentEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program, three watchdogs against the stand-in API, each with --check-http on a real
 * local HTTP server of its own (the service behind the Elastic IP), the best one with --notify:
 * the master's service failing moves the Elastic IP (attach before detach), its coming back brings it
 * home, and the hook is told every step in order.
 */
class HealthChecksIT {

    /** Bounds a failure only: three JVMs start and settle within it on a loaded 2-core machine. */
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private LocalCluster cluster;
    private final List<HttpServer> services = new ArrayList<>();
    private final List<AtomicInteger> statuses = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        cluster = PackagedCluster.start(tmp);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        services.forEach(s -> s.stop(0));
    }

    /** A local HTTP service answering /healthz with the status the test sets; returns its URL. */
    private String service() throws Exception {
        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/healthz", exchange -> {
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
        services.add(server);
        statuses.add(status);
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/healthz";
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        PackagedCluster.await(cluster, DEADLINE, what, condition);
    }

    @Test
    void theMastersServiceFailingMovesTheElasticIpAndItsReturnBringsItBack() throws Exception {
        Path told = tmp.resolve("told");
        Path hook = tmp.resolve("hook.sh");
        Files.writeString(hook, "#!/bin/sh\necho \"$1 $EXOIP_ELASTIC_IP\" >> " + told + "\n");
        hook.toFile().setExecutable(true);
        List<Node> nodes = List.of(cluster.addNode("node-a"), cluster.addNode("node-b"), cluster.addNode("node-c"));
        for (int i = 0; i < nodes.size(); i++) {
            // timeout=2s: the service's answer, not how fast a loaded machine delivers it, decides.
            List<String> args = new ArrayList<>(List.of("-t", "0.2", "-r", "3", "--peer-refresh", "0.5",
                    "-P", Integer.toString(10 * (i + 1)), "--check-http",
                    service() + " interval=0.1 timeout=2s fall=2 rise=2"));
            if (i == 0) {
                args.addAll(List.of("--notify", hook.toString()));
            }
            cluster.start(nodes.get(i), args.toArray(String[]::new));
        }
        Node a = nodes.get(0);
        Node b = nodes.get(1);
        await("node-a master, alone holding the address", () -> cluster.settledMaster().filter(n -> n == a).isPresent());
        // The newest state wins: a change of role cuts a hook still running. Each step waits for
        // the hook of the one before to have told it.
        await("the hook told of node-a's attach", () -> told(told).contains("ATTACHED"));

        int before = cluster.events().size();
        long stopped = System.nanoTime();
        statuses.get(0).set(503);
        await("node-b master while node-a is in FAULT", () -> cluster.settledMaster(a).filter(n -> n == b).isPresent()
                && cluster.state(a).orElse("").equals("FAULT"));
        List<AttachmentEvent> moved = cluster.events().subList(before, cluster.events().size());
        assertEquals(AttachmentEvent.Kind.ATTACH, moved.get(0).kind(), "attach first: " + moved);
        assertEquals(b.id().toString(), moved.get(0).instanceId());
        System.out.printf("service stop -> new master's attach: %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(moved.get(0).nanos() - stopped));
        assertTrue(cluster.field(a, "Priority").orElse("").startsWith("255 (FAULT: check http "),
                cluster.info(a).orElse(""));
        await("the hook told of the fault", () -> told(told).contains("FAULT"));

        statuses.get(0).set(200);
        await("node-a master again", () -> cluster.settledMaster().filter(n -> n == a).isPresent());
        await("the hook told of the steps back", () -> told(told).stream().filter(e -> e.equals("ATTACHED"))
                .count() == 2);
        List<String> events = told(told);
        assertEquals(List.of("MASTER", "ATTACHED", "FAULT", "MASTER", "ATTACHED"), events,
                lines(told) + "\n" + cluster.tail(a, 200));
        assertTrue(lines(told).stream().allMatch(l -> l.endsWith(" " + LocalCluster.ELASTIC_IP)), lines(told).toString());
    }

    /** The events the hook was told, DETACHED left out: only when this node's own call let go (node-b may have). */
    private static List<String> told(Path file) {
        return lines(file).stream().map(l -> l.split(" ")[0]).filter(e -> !e.equals("DETACHED")).toList();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (Exception e) {
            return List.of();
        }
    }
}

package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three watchdog processes in an instance pool of the stand-in with {@code --peer-network}: their
 * public addresses are 127.0.0.x, the private network leases them 127.0.1.x, and the adverts go
 * there. Each listens on its lease only (given {@code -l :PORT}), so a node that sent to the
 * public addresses would never be heard, and each would hold the Elastic IP.
 */
class PrivateNetworkPeersIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String[] TIMING = {"-t", "0.2", "-r", "3", "--peer-refresh", "0.5"};
    private static final String POOL = "exoip-pool";
    private static final String NETWORK = "exoip-net";

    @TempDir
    Path tmp;

    private LocalCluster cluster;
    /** Each node's lease on the network. */
    private final Map<Node, String> leases = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        cluster = PackagedCluster.start(tmp);
        cluster.standin().state().addInstancePool(null, POOL, null, null);
        cluster.standin().state().addPrivateNetwork(null, NETWORK, null, "127.0.1.1", "127.0.1.254", "255.255.255.0");
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /** A node in the pool; leased {@code lease} on the network unless null. */
    private Node inPool(String name, String lease) {
        Node node = cluster.addNode(name, false);
        cluster.standin().state().setInstancePool(node.id().toString(), POOL);
        if (lease != null) {
            cluster.standin().state().setLease(NETWORK, node.id().toString(), lease);
            leases.put(node, lease);
        }
        return node;
    }

    private void start(Node node, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of(TIMING));
        args.addAll(List.of("--peer-network", NETWORK, "-l", ":" + cluster.port()));
        args.addAll(List.of(more));
        cluster.startWithPeerOptions(node, args.toArray(String[]::new));
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        PackagedCluster.await(cluster, DEADLINE, what, condition);
    }

    private Optional<String> info(Node node) {
        return cluster.info(leases.get(node));
    }

    /** As {@link LocalCluster#settledMaster}, asking each running node at its lease. */
    private Optional<Node> settledMaster(Node... ignoring) {
        Node master = null;
        for (Node node : leases.keySet()) {
            if (!node.running() || List.of(ignoring).contains(node)) {
                continue;
            }
            String state = info(node).flatMap(i -> i.lines().filter(l -> l.startsWith("State ")).findFirst())
                    .map(l -> l.substring("State ".length()).trim()).orElse("");
            if (state.equals("MASTER") && master == null) {
                master = node;
            } else if (!state.equals("BACKUP")) {
                return Optional.empty();
            }
        }
        Node found = master;
        return found != null && cluster.soleHolder().filter(h -> h == found).isPresent() ? Optional.of(found)
                : Optional.empty();
    }

    private static boolean alivePeer(String info, Node peer, String lease) {
        return Pattern.compile("(?m)^Peer " + Pattern.quote(lease) + " id=" + peer.id() + " .* alive ").matcher(info)
                .find();
    }

    private long leaseReads() {
        return cluster.standin().requestCounts().getOrDefault("GET /v2/private-network/{id}", 0L);
    }

    private static long count(Path log, String text) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(text)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void advertsGoToTheLeasesALeaseChangeIsFollowedAndACrashGivesOneNewHolder() throws Exception {
        Node a = inPool("node-a", "127.0.1.1");
        Node b = inPool("node-b", "127.0.1.2");
        Node c = inPool("node-c", "127.0.1.3");
        // A member that runs no watchdog and has no lease yet: the nodes leave it out and say so once.
        Node idle = cluster.addNode("node-idle", false);
        cluster.standin().state().setInstancePool(idle.id().toString(), POOL);
        start(a);
        start(b);
        start(c, "-P", "1");
        await("node-c, the best, is the one master, the nodes hearing each other at their leases",
                () -> settledMaster().filter(n -> n == c).isPresent());
        await("node-a hears node-b and node-c alive at their leases", () -> info(a)
                .filter(i -> alivePeer(i, b, "127.0.1.2") && alivePeer(i, c, "127.0.1.3")).isPresent());
        await("node-a lists no public address and never itself", () -> info(a)
                .filter(i -> i.lines().filter(l -> l.startsWith("Peer ")).count() == 2 && !i.contains("Peer 127.0.0.")
                        && !i.contains("Peer 127.0.1.1 "))
                .isPresent());
        assertEquals(Optional.empty(), cluster.info(a), "a listens on its lease only, not on its public address");
        assertTrue(Files.readString(a.log()).contains("Adverts over private network \"" + NETWORK
                + "\": this instance's lease there is 127.0.1.1"), cluster.tail(a, 20));

        String unleased = "Peer node-idle (" + idle.id() + ") has no lease on private network \"" + NETWORK + "\"";
        long reads = leaseReads();
        await("several refreshes of every node", () -> leaseReads() >= reads + 9);
        assertEquals(1, count(a.log(), unleased), "said once, not at every refresh: " + cluster.tail(a, 20));

        // A lease given and ended at run time: seen at the next refreshes, without a restart.
        cluster.standin().state().setLease(NETWORK, idle.id().toString(), "127.0.1.4");
        await("the idle member is a (dead) peer at its new lease",
                () -> info(a).filter(i -> i.contains("Peer 127.0.1.4 ")).isPresent());
        cluster.standin().state().removeLease(NETWORK, idle.id().toString());
        await("the idle member is no peer once its lease ended",
                () -> info(a).filter(i -> !i.contains("Peer 127.0.1.4 ")).isPresent() && count(a.log(), unleased) == 2);
        await("node-c is still the one master", () -> settledMaster().filter(n -> n == c).isPresent());

        cluster.signal(c, "KILL");
        await("one new holder among the two left", () -> settledMaster(c).filter(n -> n != c).isPresent());
        assertEquals(1, cluster.holders().size());
    }

    @Test
    void aNodeWithoutALeaseStopsAtStartNamingTheNetwork() throws Exception {
        Node loner = inPool("loner", null);
        List<String> command = new ArrayList<>(cluster.command(loner, "-W"));
        command.addAll(List.of("--peer-network", NETWORK, "-l", ":" + cluster.port(), "--start-timeout", "5"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "did not finish");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("this instance (" + loner.id() + ") has no lease on private network \"" + NETWORK
                + "\" ("), output);
        assertTrue(!output.contains("\tat "), "no stack trace: " + output);
        assertEquals(Optional.empty(), cluster.soleHolder());
    }
}

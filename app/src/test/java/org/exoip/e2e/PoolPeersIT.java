package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three watchdog processes in an instance pool of the stand-in, given no peer option (only the
 * Elastic IP, the credentials and, on loopback, the endpoint, the instance id and the listen
 * address): each takes its pool's members as peers.
 */
class PoolPeersIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private static final String[] TIMING = {"-t", "0.2", "-r", "3", "--peer-refresh", "0.5"};
    private static final String POOL = "exoip-pool";

    @TempDir
    Path tmp;

    private LocalCluster cluster;

    @BeforeEach
    void setUp() throws IOException {
        String jar = System.getProperty("exoip.jar", "target/exoip.jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), "the packaged program is missing: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        cluster = new LocalCluster(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar), tmp);
        cluster.standin().state().addInstancePool(null, POOL, null, null);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private Node inPool(String name) {
        Node node = cluster.addNode(name, false);
        cluster.standin().state().setInstancePool(node.id().toString(), POOL);
        return node;
    }

    private void start(Node node, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of(TIMING));
        args.addAll(List.of(more));
        cluster.startWithPeerOptions(node, args.toArray(String[]::new));
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        PackagedCluster.await(cluster, DEADLINE, what, condition);
    }

    @Test
    void thePoolsMembersAreThePeersOneMasterANewMemberJoinsAndACrashGivesOneNewHolder() throws Exception {
        Node a = inPool("node-a");
        Node b = inPool("node-b");
        start(a);
        start(b);
        await("one of the two pool members is master and alone holds the address",
                () -> cluster.settledMaster().isPresent());
        assertTrue(Files.readString(a.log()).contains("No peer option: the peers are the members of instance pool \""
                + POOL + "\""), cluster.tail(a, 20));

        // The best node joins the pool: the others take it as a peer at their next refresh, so it
        // alone becomes master (had they not, they would drop its adverts and stay master too).
        Node c = inPool("node-c");
        start(c, "-P", "1");
        await("the new member is a peer of the others, and being best, the one master",
                () -> cluster.settledMaster().filter(n -> n == c).isPresent());
        String info = cluster.info(a).orElseThrow();
        assertTrue(info.contains("Peer " + b.ip() + " ") && info.contains("Peer " + c.ip() + " "), info);
        assertTrue(!info.contains("Peer " + a.ip() + " "), "never its own peer: " + info);

        cluster.signal(c, "KILL");
        await("one new holder among the two left", () -> cluster.settledMaster(c).filter(n -> n != c).isPresent());
        assertEquals(1, cluster.holders().size());
    }

    @Test
    void theInstancesWithTheLabelsAreThePeers() throws Exception {
        Node a = cluster.addNode("node-a", false);
        Node b = cluster.addNode("node-b", false);
        Node other = cluster.addNode("other", false);
        for (Node n : List.of(a, b)) {
            cluster.standin().state().setLabels(n.id().toString(), java.util.Map.of("role", "exoip", "env", "prod"));
        }
        cluster.standin().state().setLabels(other.id().toString(), java.util.Map.of("role", "exoip"));
        start(a, "--peer-label", "role=exoip,env=prod");
        start(b, "--peer-label", "role=exoip", "--peer-label", "env=prod");
        await("one of the two labelled instances is master and alone holds the address",
                () -> cluster.settledMaster().isPresent());
        String info = cluster.info(a).orElseThrow();
        assertTrue(info.contains("Peer " + b.ip() + " ") && !info.contains("Peer " + other.ip() + " "), info);
    }

    @Test
    void anInstanceInNoPoolWithoutPeerOptionsIsToldWhichToGive() throws Exception {
        Node loner = cluster.addNode("loner", false);
        List<String> command = new ArrayList<>(cluster.command(loner, "-W"));
        command.addAll(List.of("-l", loner.ip() + ":" + cluster.port(), "--start-timeout", "5"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "did not finish");
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("belongs to no instance pool: give -p PEER[,PEER...] (IF_EXOSCALE_PEERS), -G GROUP "
                + "(IF_EXOSCALE_PEER_GROUP), --peer-pool NAME|ID (IF_EXOSCALE_PEER_POOL) or --peer-label KEY=VALUE "
                + "(IF_EXOSCALE_PEER_LABELS)"), output);
        assertTrue(!output.contains("\tat "), "no stack trace: " + output);
        assertEquals(Optional.empty(), cluster.soleHolder());
    }
}

package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;
import org.exoip.exoscale.standin.AttachmentEvent;
import org.exoip.exoscale.standin.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program as real processes against the stand-in API: one-shot attach/detach, and
 * three watchdogs surviving a crash, a clean stop, signals and a change of security group.
 */
class WatchdogProcessesIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** Fast adverts keep the suite short; the logic is the same at 1 s. */
    private static final String[] TIMING = {"-t", "0.2", "-r", "3", "--peer-refresh", "0.5"};

    @TempDir
    Path tmp;

    private LocalCluster cluster;

    @BeforeEach
    void setUp() throws IOException {
        cluster = PackagedCluster.start(tmp);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private record Run(int exit, String output) {
    }

    private Run run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), "did not finish: " + command);
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        PackagedCluster.await(cluster, DEADLINE, what, condition);
    }

    @Test
    void attachAndDetachOnceAreIdempotent() throws Exception {
        Node a = cluster.addNode("node-a");
        Run attach = run(cluster.command(a, "-A"));
        assertEquals(0, attach.exit(), attach.output());
        assertEquals(Set.of(a.id()), cluster.holders());
        int events = cluster.events().size();
        long writes = writeRequests();
        assertEquals(0, run(cluster.command(a, "-A")).exit());
        assertEquals(writes, writeRequests(), "already attached: no write call");
        Run detach = run(cluster.command(a, "-D"));
        assertEquals(0, detach.exit(), detach.output());
        assertEquals(Set.of(), cluster.holders());
        assertEquals(0, run(cluster.command(a, "-D")).exit());
        assertEquals(events + 1, cluster.events().size(), "already detached: no write call");
    }

    private long writeRequests() {
        return cluster.standin().requestCounts().entrySet().stream()
                .filter(e -> e.getKey().contains(":attach") || e.getKey().contains(":detach"))
                .mapToLong(java.util.Map.Entry::getValue).sum();
    }

    @Test
    void aWrongSecretExitsOneSayingTheSignatureWasRefused() throws Exception {
        Node a = cluster.addNode("node-a");
        String wrong = "wrong-secret-0123456789abcdef";
        Path wrongFile = Files.writeString(tmp.resolve("wrong"), wrong);
        List<String> command = new ArrayList<>(cluster.command(a, "-A"));
        command.set(command.indexOf("--api-secret-file") + 1, wrongFile.toString());
        Run r = run(command);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().toLowerCase().contains("signature"), r.output());
        assertFalse(r.output().contains(wrong), "the secret is never printed: " + r.output());
        assertFalse(r.output().contains("\tat "), "no stack trace: " + r.output());
        assertEquals(Set.of(), cluster.holders());
    }

    @Test
    void twoProxyErrorPagesBeforeSuccessAreRetried() throws Exception {
        Node a = cluster.addNode("node-a");
        cluster.standin().faults().add(Fault.proxyError().times(2).matching("PUT", ".*:attach$"));
        Run r = run(cluster.command(a, "-A"));
        assertEquals(0, r.exit(), r.output());
        assertEquals(Set.of(a.id()), cluster.holders());
    }

    private List<Node> startThree(String... extra) throws IOException {
        List<Node> nodes = List.of(cluster.addNode("node-a"), cluster.addNode("node-b"), cluster.addNode("node-c"));
        for (Node n : nodes) {
            List<String> args = new ArrayList<>(List.of(TIMING));
            args.addAll(List.of(extra));
            cluster.start(n, args.toArray(String[]::new));
        }
        return nodes;
    }

    /**
     * Waits until the running nodes agree on one master, other than {@code not}, that alone holds
     * the address, and keep agreeing for two dead times. Nodes start a JVM each, so one may finish
     * its hold-off before a better one is heard from: a first verdict can be overturned, and a
     * test that took it for the master would act on a node that is about to hand over.
     */
    private Node awaitSoleHolder(Node not, Node... ignoring) throws InterruptedException {
        long stableNanos = TimeUnit.MILLISECONDS.toNanos(1200);
        Node[] seen = new Node[1];
        long[] since = new long[1];
        await("the running nodes agree on one master holding the address alone, for " + stableNanos / 1_000_000 + " ms",
                () -> {
                    Node now = cluster.settledMaster(ignoring).filter(n -> n != not).orElse(null);
                    if (now == null || now != seen[0]) {
                        seen[0] = now;
                        since[0] = System.nanoTime();
                        return false;
                    }
                    return System.nanoTime() - since[0] >= stableNanos;
                });
        return seen[0];
    }

    @Test
    void crashOfTheMasterGivesExactlyOneNewHolderWithinTheDeadTime() throws Exception {
        startThree();
        Node master = awaitSoleHolder(null);
        long killedAt = System.nanoTime();
        cluster.signal(master, "KILL");
        Node successor = awaitSoleHolder(master);
        long attachedAt = cluster.events().stream()
                .filter(e -> e.kind() == AttachmentEvent.Kind.ATTACH && e.instanceId().equals(successor.id().toString()))
                .mapToLong(AttachmentEvent::nanos).max().orElseThrow();
        long failoverMillis = TimeUnit.NANOSECONDS.toMillis(attachedAt - killedAt);
        // interval x ratio = 600 ms; the API and process scheduling get the rest.
        assertTrue(failoverMillis <= 600 + 1000, "failover took " + failoverMillis + " ms");
        // It stays that way: no flapping afterwards.
        int events = cluster.events().size();
        Thread.sleep(1000); // observing that nothing happens needs real time
        assertEquals(events, cluster.events().size(), "no change after the failover: " + cluster.events());
    }

    /**
     * kill -9 of the master's process on a host that stays up: its port is closed, the backups'
     * next adverts are refused, and they take over on that, long before a dead time of 5 s.
     */
    @Test
    void aCrashedMasterProcessIsSeenFromTheRefusedAdvertsNotTheDeadTime() throws Exception {
        for (Node n : List.of(cluster.addNode("node-a"), cluster.addNode("node-b"), cluster.addNode("node-c"))) {
            cluster.start(n, "-t", "0.2", "-r", "25");
        }
        Node master = awaitSoleHolder(null);
        cluster.signal(master, "KILL");
        Node successor = awaitSoleHolder(master);
        String log = java.nio.file.Files.readString(successor.log());
        assertTrue(log.contains("refused two adverts with nothing heard from it between"), log);
        assertTrue(log.contains("Peer " + master.ip() + " refused"), log);
    }

    @Test
    void sigtermOfTheMasterHandsOverWithNoMomentWithoutAHolder() throws Exception {
        startThree();
        Node master = awaitSoleHolder(null);
        int before = cluster.events().size();
        cluster.signal(master, "TERM");
        awaitSoleHolder(master);
        Process p = master.process().orElseThrow();
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), cluster.tail(master, 20));
        List<AttachmentEvent> changes = cluster.events().subList(before, cluster.events().size());
        assertTrue(changes.stream().noneMatch(e -> e.holdersAfter().isEmpty()), "never without a holder: " + changes);
    }

    /**
     * {@code exoip handover}, the packaged program, against the master's process: it returns 0 once
     * the stand-in shows the successor alone, the address never without a holder; the old master
     * keeps running, out of the election, until {@code --release}; {@code exoip info --json} says so.
     */
    @Test
    void exoipHandoverMovesTheAddressOffARunningMasterAndConfirmsIt() throws Exception {
        startThree();
        Node master = awaitSoleHolder(null);
        int before = cluster.events().size();
        List<String> handover = new ArrayList<>(PackagedCluster.launcher());
        handover.addAll(List.of("handover", "--node", master.ip() + ":" + cluster.port(), "--timeout", "20"));
        Run r = run(handover);
        assertEquals(0, r.exit(), r.output() + cluster.tail(master, 20));
        Node successor = cluster.soleHolder().orElseThrow(() -> new AssertionError("no sole holder: " + r.output()));
        assertTrue(successor != master, r.output());
        assertTrue(r.output().contains("held by " + successor.id() + " alone after"), r.output());
        List<AttachmentEvent> changes = cluster.events().subList(before, cluster.events().size());
        assertTrue(changes.stream().noneMatch(e -> e.holdersAfter().isEmpty()), "never without a holder: " + changes);
        assertTrue(master.running(), "the old master runs on as a backup");
        List<String> info = new ArrayList<>(PackagedCluster.launcher());
        info.addAll(List.of("info", "--json", master.ip() + ":" + cluster.port()));
        Run json = run(info);
        assertEquals(0, json.exit(), json.output());
        assertTrue(json.output().contains("\"in\" : false"), json.output());

        List<String> release = new ArrayList<>(PackagedCluster.launcher());
        release.addAll(List.of("handover", "--release", "--node", master.ip() + ":" + cluster.port()));
        Run back = run(release);
        assertEquals(0, back.exit(), back.output());
        assertTrue(back.output().contains("back in the election"), back.output());
    }

    /**
     * A backup stopped (SIGSTOP) past the dead time reads, once resumed, the adverts waiting for it
     * before it judges any peer: it never attaches the address. Before the fix its timers counted
     * every peer dead on the first turn of its loop and about two resumes in three left a stray
     * attach (issue 21, finding 1), so three resumes make the test fail without it (seen: the
     * test bed's pause-backup attached after every resume before the fix).
     */
    @Test
    void aBackupStoppedPastTheDeadTimeDoesNotAttachWhenResumed() throws Exception {
        // Half a second: the interval a resumed node gives its peers to be heard is then far
        // longer than a loaded machine takes to schedule the node's first read after SIGCONT.
        for (Node n : List.of(cluster.addNode("node-a"), cluster.addNode("node-b"), cluster.addNode("node-c"))) {
            cluster.start(n, "-t", "0.5", "-r", "3", "--peer-refresh", "0.5");
        }
        Node master = awaitSoleHolder(null);
        Node backup = cluster.nodes().stream().filter(n -> n != master).findFirst().orElseThrow();
        int before = cluster.events().size();
        for (int stop = 1; stop <= 3; stop++) {
            cluster.signal(backup, "STOP");
            Thread.sleep(3500); // the fault itself: stopped for over twice the dead time (1.55 s)
            cluster.signal(backup, "CONT");
            int seen = stop;
            await("the backup says it stalled (" + seen + ")", () -> stalls(backup) >= seen);
        }
        assertEquals(master, awaitSoleHolder(null));
        List<AttachmentEvent> changes = cluster.events().subList(before, cluster.events().size());
        assertTrue(changes.stream().noneMatch(e -> e.instanceId().equals(backup.id().toString())),
                "the resumed backup attached or was detached: " + changes);
    }

    private static long stalls(Node node) {
        try {
            return java.nio.file.Files.readAllLines(node.log()).stream()
                    .filter(line -> line.contains("This node stalled for")).count();
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void sigusr1OnABackupUntilItIsBestMakesItMaster() throws Exception {
        startThree();
        Node master = awaitSoleHolder(null);
        Node backup = cluster.nodes().stream().filter(n -> n != master).findFirst().orElseThrow();
        // Equal priorities (10): one step makes the backup strictly better.
        cluster.signal(backup, "USR1");
        await(backup.name() + " takes over", () -> cluster.settledMaster().filter(n -> n == backup).isPresent());
        assertTrue(master.running());
        cluster.signal(backup, "USR2");
        cluster.signal(backup, "USR2");
        await("the master hands back", () -> cluster.settledMaster().filter(n -> n != backup).isPresent());
    }

    @Test
    void noSignalIsLostAndInfoAnswers() throws Exception {
        startThree();
        Node master = awaitSoleHolder(null);
        for (int i = 0; i < 5; i++) {
            cluster.signal(master, "USR1");
        }
        await("five SIGUSR1 give priority 5", () -> cluster.field(master, "Priority").equals(java.util.Optional.of("5")));
        for (int i = 0; i < 300; i++) {
            cluster.signal(master, "USR2");
        }
        await("bounded at 255", () -> cluster.field(master, "Priority").equals(java.util.Optional.of("255")));
        String info = cluster.info(master).orElseThrow();
        assertTrue(info.contains("Node        " + master.id()), info);
        assertTrue(info.contains("Elastic IP  " + LocalCluster.ELASTIC_IP), info);
        assertTrue(info.lines().anyMatch(l -> l.matches("Peer 127\\.0\\.0\\.\\d id=\\S+ priority=10 alive last-seen=\\d+\\.\\d{3}s ago")), info);
    }

    @Test
    void aNodeAddedToTheGroupIsPickedUpWithoutARestart() throws Exception {
        Node a = cluster.addNode("node-a");
        Node b = cluster.addNode("node-b");
        Node c = cluster.addNode("node-c", false);
        cluster.start(a, TIMING);
        cluster.start(b, TIMING);
        List<String> best = new ArrayList<>(List.of(TIMING));
        best.addAll(List.of("-P", "1"));
        cluster.start(c, best.toArray(String[]::new));
        Node master = awaitSoleHolder(c, c);
        assertTrue(master == a || master == b);
        // c is best, but not a member: a and b ignore its adverts.
        Thread.sleep(1000); // observing that nothing happens needs real time
        assertTrue(cluster.settledMaster(c).filter(n -> n != c).isPresent(), "a non-member took over: " + cluster.events());
        assertEquals(java.util.Optional.of("STARTING"), cluster.state(c), "a non-member does not take part");
        cluster.joinGroup(c);
        await("the new member is picked up and, being best, takes over",
                () -> cluster.settledMaster().filter(n -> n == c).isPresent());
        cluster.leaveGroup(c);
        await("the departed member is dropped and the others elect among themselves",
                () -> cluster.soleHolder().filter(n -> n != c).isPresent()
                        && cluster.state(c).equals(java.util.Optional.of("STARTING")));
    }
}

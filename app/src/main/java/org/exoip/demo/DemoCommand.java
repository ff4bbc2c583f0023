package org.exoip.demo;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.exoip.exoscale.standin.AttachmentEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code exoip demo}: a stand-in Exoscale API and three watchdogs on 127.0.0.1-3, then a crash of
 * the master and a clean stop of its successor, with the failover times the API saw.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "Runs a stand-in API and three watchdogs, then a crash and a clean hand-over.",
        description = {"Runs a stand-in Exoscale API and three exoip watchdogs on 127.0.0.1, .2 and .3,",
            "kills the master (kill -9), stops its successor cleanly (SIGTERM), and prints the timeline",
            "with the measured failover times. Nothing leaves this machine; everything is cleaned up."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "-t", paramLabel = "INTERVAL", defaultValue = "1",
            description = "Advert interval passed to the watchdogs (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "-r", paramLabel = "RATIO", defaultValue = "3",
            description = "Dead ratio passed to the watchdogs (default: ${DEFAULT-VALUE}).")
    String ratio;

    @Option(names = "--keep-logs", description = "Keep the watchdogs' logs and print where they are.")
    boolean keepLogs;

    private PrintWriter out;
    private long t0;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("exoip-demo-");
        Duration deadline = Duration.ofSeconds(60);
        LocalCluster cluster = new LocalCluster(LocalCluster.thisProgram(), dir);
        Thread cleanup = new Thread(cluster::close, "exoip-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            out.printf("exoip demo: stand-in Exoscale API at %s, Elastic IP %s%n", cluster.standin().apiBase(),
                    LocalCluster.ELASTIC_IP);
            List<LocalCluster.Node> nodes = new ArrayList<>();
            for (String name : List.of("node-a", "node-b", "node-c")) {
                nodes.add(cluster.addNode(name));
            }
            t0 = System.nanoTime();
            for (LocalCluster.Node node : nodes) {
                cluster.start(node, "-t", interval, "-r", ratio);
                out.printf("  %s  %s:%d  instance %s  (exoip -W -t %s -r %s -G %s)%n", node.name(), node.ip(),
                        cluster.port(), node.id(), interval, ratio, LocalCluster.GROUP);
            }
            out.flush();
            step("started three watchdogs; each holds off for interval x ratio before deciding");

            Optional<LocalCluster.Node> master = awaitSoleHolder(cluster, deadline, null);
            if (master.isEmpty()) {
                return fail(cluster, "no single master within " + deadline.toSeconds() + " s");
            }
            step(master.get().name() + " is MASTER and alone holds " + LocalCluster.ELASTIC_IP);

            LocalCluster.Node crashed = master.get();
            long killedAt = System.nanoTime();
            cluster.signal(crashed, "KILL");
            step("kill -9 " + crashed.name() + " (the master)");
            Optional<LocalCluster.Node> successor = awaitSoleHolder(cluster, deadline, crashed);
            if (successor.isEmpty()) {
                return fail(cluster, "no new master within " + deadline.toSeconds() + " s of the crash");
            }
            long attachedAt = attachOf(cluster, successor.get(), killedAt);
            step(successor.get().name() + " is MASTER: failover " + LocalCluster.seconds(attachedAt - killedAt)
                    + " from kill to its attach (its host refused the next advert: within one interval of "
                    + interval + " s, where the dead time is " + interval + " s x " + ratio + ")");

            LocalCluster.Node stopping = successor.get();
            long termAt = System.nanoTime();
            int eventsBefore = cluster.events().size();
            cluster.signal(stopping, "TERM");
            step("SIGTERM " + stopping.name() + " (clean hand-over)");
            Optional<LocalCluster.Node> third = awaitSoleHolder(cluster, deadline, stopping);
            if (third.isEmpty()) {
                return fail(cluster, "no hand-over within " + deadline.toSeconds() + " s of SIGTERM");
            }
            long handedAt = attachOf(cluster, third.get(), termAt);
            boolean exitedCleanly = stopping.process().orElseThrow().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)
                    && stopping.process().orElseThrow().exitValue() == 0;
            long holderless = holderlessNanos(cluster.events().subList(eventsBefore, cluster.events().size()));
            step(third.get().name() + " is MASTER: hand-over " + LocalCluster.seconds(handedAt - termAt)
                    + ", time without a holder " + LocalCluster.seconds(holderless) + ", " + stopping.name()
                    + (exitedCleanly ? " exited 0" : " did not exit 0"));

            out.println();
            out.println("Timeline of the stand-in API's attach/detach record:");
            for (AttachmentEvent event : cluster.events()) {
                String who = cluster.byId(event.instanceId()).map(LocalCluster.Node::name).orElse(event.instanceId());
                out.printf(Locale.ROOT, "  %8.3f s  %-6s %-7s holders now: %s%n", (event.nanos() - t0) / 1e9,
                        event.kind(), who, event.holdersAfter().stream()
                                .map(id -> cluster.byId(id).map(LocalCluster.Node::name).orElse(id)).sorted().toList());
            }
            if (keepLogs) {
                out.println("Logs: " + dir);
            }
            out.println("Done; everything the demo started is stopped.");
            return exitedCleanly ? 0 : 1;
        } finally {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (!keepLogs) {
                cluster.deleteWorkDir();
            }
            out.flush();
        }
    }

    private Optional<LocalCluster.Node> awaitSoleHolder(LocalCluster cluster, Duration deadline,
            LocalCluster.Node not) throws InterruptedException {
        boolean ok = LocalCluster.await(deadline, () -> cluster.soleHolder()
                .filter(n -> n != not && n.running()).isPresent());
        return ok ? cluster.soleHolder() : Optional.empty();
    }

    /** When the stand-in recorded {@code node}'s attach after {@code since}. */
    private static long attachOf(LocalCluster cluster, LocalCluster.Node node, long since) {
        return cluster.events().stream()
                .filter(e -> e.kind() == AttachmentEvent.Kind.ATTACH && e.instanceId().equals(node.id().toString())
                        && e.nanos() - since >= 0)
                .mapToLong(AttachmentEvent::nanos).findFirst().orElse(System.nanoTime());
    }

    /** Total time the Elastic IP had no holder during these events. */
    static long holderlessNanos(List<AttachmentEvent> events) {
        long total = 0;
        Long emptySince = null;
        for (AttachmentEvent e : events) {
            if (e.holdersAfter().isEmpty() && emptySince == null) {
                emptySince = e.nanos();
            } else if (!e.holdersAfter().isEmpty() && emptySince != null) {
                total += e.nanos() - emptySince;
                emptySince = null;
            }
        }
        return total;
    }

    private void step(String what) {
        out.printf(Locale.ROOT, "[%7.3f s] %s%n", (System.nanoTime() - t0) / 1e9, what);
        out.flush();
    }

    private int fail(LocalCluster cluster, String why) {
        out.println("FAILED: " + why);
        for (LocalCluster.Node node : cluster.nodes()) {
            out.println("--- last lines of " + node.name() + " (" + node.log() + ")");
            out.println(cluster.tail(node, 15));
        }
        keepLogs = true;
        return 1;
    }
}

package org.exoip.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;

/** The packaged program's local clusters, for the tests that run it as real processes. */
final class PackagedCluster {

    private PackagedCluster() {
    }

    /** A cluster running {@code target/exoip.jar} (or the jar named by {@code -Dexoip.jar}). */
    static LocalCluster start(Path workDir) throws IOException {
        return new LocalCluster(launcher(), workDir);
    }

    /** The command that runs the packaged program, for its subcommands too. */
    static List<String> launcher() {
        String jar = System.getProperty("exoip.jar", "target/exoip.jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), "the packaged program is missing: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar);
    }

    /**
     * Waits for the condition, failing after {@code deadline} with the last log lines of every node.
     * The conditions ask every node for info: 100 ms between rounds stays under its answer limit.
     */
    static void await(LocalCluster cluster, Duration deadline, String what, BooleanSupplier condition)
            throws InterruptedException {
        if (!LocalCluster.await(deadline, Duration.ofMillis(100), condition)) {
            StringBuilder logs = new StringBuilder();
            for (Node n : cluster.nodes()) {
                logs.append("\n--- ").append(n.name()).append('\n').append(cluster.tail(n, 25));
            }
            throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what + logs);
        }
    }
}

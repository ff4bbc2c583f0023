package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.exoip.demo.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code exoip standin}, run as the packaged program, is named {@code exoip} as -A, -D and -W are, not {@code java}. */
class StandinProcessIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void theStandinIsFoundByName() throws Exception {
        String jar = System.getProperty("exoip.jar", "target/exoip.jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), "the packaged program is missing: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = tmp.resolve("standin.log");
        Path secret = Files.writeString(tmp.resolve("secret"), "standin-process-test-secret\n");
        Process standin = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar,
                "standin", "--listen", "127.0.0.1:0", "--api-key", "EXOstandinprocesstest00001",
                "--api-secret-file", secret.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path comm = Path.of("/proc/" + standin.pid() + "/comm");
            // Renamed once parsed, before it serves: wait for that, or for it to exit.
            assertTrue(LocalCluster.await(DEADLINE, () -> !standin.isAlive() || name(comm).equals("exoip")),
                    "not named exoip: " + name(comm) + "\n" + Files.readString(log));
            assertTrue(standin.isAlive(), "exited: " + Files.readString(log));
            Process pgrep = new ProcessBuilder("pgrep", "-x", "exoip").redirectErrorStream(true).start();
            assertTrue(pgrep.waitFor(10, TimeUnit.SECONDS));
            List<String> found = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::trim).toList();
            assertTrue(found.contains(Long.toString(standin.pid())), "pgrep -x exoip: " + found);
        } finally {
            standin.destroy();
            standin.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String name(Path comm) {
        try {
            return Files.readString(comm).strip();
        } catch (java.io.IOException e) {
            return "(gone)";
        }
    }
}

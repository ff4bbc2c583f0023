package org.exoip.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: a run past its timeout is killed with its whole process group, nothing stays behind. */
class ProcessGroupTest {

    @TempDir
    Path dir;

    private ProcessGroup processes;

    @BeforeEach
    void create() throws Exception {
        processes = ProcessGroup.create(Optional.empty());
    }

    @AfterEach
    void close() {
        processes.close();
    }

    @Test
    void exitCodeAndTheLastLineOfOutputAreKept() throws Exception {
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", "echo first; echo 'no backend' >&2; exit 3"),
                Map.of(), Duration.ofSeconds(20));
        assertFalse(result.success());
        assertFalse(result.timedOut());
        assertEquals(3, result.exitCode());
        assertEquals("exit 3: no backend", result.describe(Duration.ofSeconds(20)));
        assertTrue(processes.run(List.of("true"), Map.of(), Duration.ofSeconds(20)).success());
    }

    @Test
    void theEnvironmentIsNotExoipsOwn() throws Exception {
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", "env"), Map.of("EXOIP_ROLE", "MASTER"),
                Duration.ofSeconds(20));
        assertTrue(result.output().contains("EXOIP_ROLE=MASTER"), result.output());
        assertTrue(result.output().contains("PATH="), result.output());
        // Surefire's JVM has HOME and JAVA_HOME or the like: none of them may reach a check.
        for (String line : result.output().split("\n")) {
            String name = line.split("=")[0];
            assertTrue(List.of("PATH", "LANG", "EXOIP_ROLE", "PWD", "SHLVL", "_").contains(name), line);
        }
    }

    @Test
    void aCommandThatSleepsForeverIsKilledAtItsTimeout() throws Exception {
        Path pid = dir.resolve("pid");
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", "echo $$ > " + pid + "; exec sleep 1000"),
                Map.of(), Duration.ofMillis(300));
        assertTrue(result.timedOut());
        assertFalse(result.success());
        assertTrue(result.describe(Duration.ofMillis(300)).startsWith("timed out after 0.300s"),
                result.describe(Duration.ofMillis(300)));
        long leader = Long.parseLong(Files.readString(pid).strip());
        assertFalse(ProcessGroup.living(leader), "leader still alive");
        assertEquals(List.of(), ProcessGroup.members(leader));
    }

    @Test
    void aChildThatIgnoresSigtermIsKilledWithItsGroup() throws Exception {
        Path pids = dir.resolve("pids");
        // The child ignores SIGTERM and outlives its parent's SIGTERM; only the group's SIGKILL ends it.
        String script = "echo $$ > " + pids + "; sh -c 'trap \"\" TERM; echo $$ >> " + pids
                + "; while :; do sleep 1; done' & wait";
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", script), Map.of(), Duration.ofMillis(500));
        assertTrue(result.timedOut());
        List<Long> started = Files.readAllLines(pids).stream().map(String::strip).map(Long::parseLong).toList();
        assertEquals(2, started.size(), started.toString());
        for (long pid : started) {
            assertFalse(ProcessGroup.living(pid), pid + " still alive");
        }
        assertEquals(List.of(), ProcessGroup.members(started.get(0)));
    }

    @Test
    void aBackgroundChildLeftByACommandThatExitedIsKilled() throws Exception {
        Path pid = dir.resolve("pid");
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", "sleep 1000 & echo $! > " + pid + "; exit 0"),
                Map.of(), Duration.ofSeconds(20));
        assertTrue(result.success());
        assertTrue(result.leftOver());
        long child = Long.parseLong(Files.readString(pid).strip());
        assertFalse(ProcessGroup.living(child), "background child alive");
    }

    @Test
    void runsLeakNoDescriptorAndNoChildProcess() throws Exception {
        processes.run(List.of("true"), Map.of(), Duration.ofSeconds(20)); // warm up whatever the JDK opens once
        long before = openDescriptors();
        for (int i = 0; i < 20; i++) {
            processes.run(List.of("sh", "-c", i % 2 == 0 ? "exit 1" : "sleep 1000"), Map.of(), Duration.ofMillis(50));
        }
        // At most as many: another test's HTTP client collected meanwhile may close its own.
        long after = openDescriptors();
        assertTrue(after <= before, before + " descriptors before 20 runs, " + after + " after");
        assertEquals(List.of(), ProcessHandle.current().children().filter(p -> ProcessGroup.living(p.pid()))
                .filter(p -> p.info().command().map(c -> c.endsWith("sh") || c.endsWith("sleep")).orElse(false))
                .toList());
    }

    @Test
    void theCommandSeesOnlyStandardDescriptors() throws Exception {
        ProcessGroup.Result result = processes.run(List.of("sh", "-c", "ls /proc/self/fd"), Map.of(),
                Duration.ofSeconds(20));
        // 0, 1, 2 and the descriptor ls opened to read the directory; nothing of the JVM's.
        assertTrue(result.output().strip().split("\\s+").length <= 4, result.output());
    }

    private static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void asRootTheCommandRunsAsTheGivenUser() throws Exception {
        assumeTrue(ProcessGroup.runningAsRoot(), "only root changes users");
        ProcessGroup.RunAs nobody = ProcessGroup.RunAs.lookUp("nobody");
        try (ProcessGroup asNobody = ProcessGroup.create(Optional.of(nobody))) {
            ProcessGroup.Result result = asNobody.run(List.of("sh", "-c", "id -u; id -G"), Map.of(),
                    Duration.ofSeconds(20));
            assertTrue(result.success(), result.output());
            assertEquals(nobody.uid() + "\n" + nobody.gid(), result.output().strip(), "no group of root's kept");
        }
    }
}

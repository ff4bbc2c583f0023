package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.exoip.demo.LocalCluster;
import org.exoip.demo.LocalCluster.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged program as a real process against the stand-in API (loopback only): it answers to
 * its name ({@code pgrep -x exoip}, {@code killall exoip}), keeps a PID file, and serves metrics
 * and a health check.
 */
class ServiceProcessIT {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private LocalCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * The packaged program run by the JVM, with SIGHUP, SIGINT and SIGTERM at their default as the
     * launcher gives them: a test run under nohup must not hand its ignored SIGHUP to exoip.
     */
    private static List<String> java() {
        List<String> command = new ArrayList<>(RESETS_SIGNALS ? List.of("env", "--default-signal=HUP,INT,TERM")
                : List.of());
        command.addAll(jvm());
        return command;
    }

    /** Whether env has --default-signal (coreutils 8.31 and later), as the launcher uses it when it can. */
    private static final boolean RESETS_SIGNALS = envResetsSignals();

    private static boolean envResetsSignals() {
        try {
            return new ProcessBuilder("env", "--default-signal=HUP", "true").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The packaged program run by the JVM directly, with the signals this test run has. */
    private static List<String> jvm() {
        String jar = System.getProperty("exoip.jar", "target/exoip.jar");
        assertTrue(Files.isRegularFile(Path.of(jar)), "the packaged program is missing: " + jar);
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar);
    }

    /** {@code command} run with SIGHUP and SIGINT ignored, as nohup and '&' in a script leave them. */
    private static List<String> withHupAndIntIgnored(List<String> command) {
        List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "trap '' HUP INT; exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static Path launcher() {
        Path launcher = Path.of("..", "bin", "exoip").toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(launcher), "the launcher is missing: " + launcher);
        return launcher;
    }

    private static int freeTcpPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return probe.getLocalPort();
        }
    }

    private Optional<HttpResponse<String>> get(int port, String path) {
        try {
            return Optional.of(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "did not finish: " + List.of(command));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void answersToItsNameKeepsAPidFileAndServesMetrics() throws Exception {
        cluster = new LocalCluster(java(), tmp);
        Node node = cluster.addNode("node-a");
        Path pidFile = tmp.resolve("exoip.pid");
        int metricsPort = freeTcpPort();
        cluster.start(node, "-t", "0.2", "--pid-file", pidFile.toString(),
                "--metrics-address", "127.0.0.1:" + metricsPort);
        Process process = node.process().orElseThrow();
        long pid = process.pid();

        assertTrue(LocalCluster.await(DEADLINE, () -> PidFile.read(pidFile).equals(Optional.of(pid))),
                "no PID file with " + pid + ":\n" + cluster.tail(node, 20));
        assertTrue(LocalCluster.await(DEADLINE, () -> {
            try {
                return run("pgrep", "-x", "exoip").lines().anyMatch(line -> line.trim().equals(Long.toString(pid)));
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }), "pgrep -x exoip does not list " + pid);
        assertEquals("exoip", Files.readString(Path.of("/proc/" + pid + "/comm")).strip());

        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                cluster.tail(node, 20));
        assertTrue(LocalCluster.await(DEADLINE, () -> get(metricsPort, "/metrics")
                .filter(r -> r.body().contains("exoip_state{eip=\"" + LocalCluster.ELASTIC_IP + "\",state=\"master\"} 1.0")).isPresent()),
                cluster.tail(node, 20));
        String metrics = get(metricsPort, "/metrics").orElseThrow().body();
        for (String series : List.of("exoip_priority{eip=\"" + LocalCluster.ELASTIC_IP + "\"} 10.0", "exoip_peers{status=\"alive\"}",
                "exoip_adverts_sent_total", "exoip_adverts_received_total", "exoip_adverts_rejected_total{reason=",
                "exoip_transitions_total{eip=\"" + LocalCluster.ELASTIC_IP + "\",to=\"master\"} 1.0",
                "exoip_api_requests_total{operation=\"attach\",outcome=\"success\"} 1.0",
                "exoip_api_request_duration_seconds_bucket", "exoip_last_failover_seconds",
                "jvm_memory_used_bytes", "process_cpu_seconds_total")) {
            assertTrue(metrics.contains(series), series + " missing:\n" + metrics);
        }
        HttpResponse<String> health = get(metricsPort, "/healthz").orElseThrow();
        assertEquals(200, health.statusCode(), health.body());

        cluster.signal(node, "TERM");
        assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), cluster.tail(node, 20));
        assertFalse(Files.exists(pidFile), "the PID file outlived the process");
        assertEquals(Set.of(), cluster.holders(), "a clean stop lets go of the address");
    }

    /**
     * HotSpot suspends threads with SIGUSR2 to sample them (Flight Recorder, async profilers), and
     * SIGUSR2 is exoip's "priority +1": before the launcher moved the JVM's signal, a recording
     * raised the priority a few times a second. Here the launcher runs the watchdog under a
     * recording that samples Java code every millisecond, while info queries keep it busy; the
     * priority must stay put, and a real SIGUSR2 must still move it.
     */
    @Test
    void aFlightRecordingThroughTheLauncherLeavesThePriorityAlone() throws Exception {
        Path launcher = launcher();
        String jar = Path.of(System.getProperty("exoip.jar", "target/exoip.jar")).toAbsolutePath().toString();
        Path settings = Files.writeString(tmp.resolve("sampling.jfc"), String.join("\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                "<configuration version=\"2.0\">",
                "  <event name=\"jdk.ExecutionSample\">",
                "    <setting name=\"enabled\">true</setting>",
                "    <setting name=\"period\">1 ms</setting>",
                "  </event>",
                "</configuration>", ""));
        // env -u: the launcher alone must move the signal; the cluster would otherwise set it.
        cluster = new LocalCluster(List.of("env", "-u", "_JAVA_SR_SIGNUM", "EXOIP_JAR=" + jar,
                "EXOIP_JAVA_OPTS=-XX:StartFlightRecording=settings=" + settings + ",filename=" + tmp.resolve("rec.jfr"),
                launcher.toString()), tmp);
        Node node = cluster.addNode("node-j");
        cluster.start(node, "-t", "0.2");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                cluster.tail(node, 20));
        for (int i = 0; i < 30; i++) {
            assertEquals(Optional.of("10"), cluster.field(node, "Priority"), cluster.tail(node, 20));
            TimeUnit.MILLISECONDS.sleep(100); // keeps to the node's limit of info answers a second
        }
        String log = Files.readString(node.log());
        assertTrue(log.contains("Started recording"), "no recording ran:\n" + cluster.tail(node, 20));
        assertFalse(log.contains("Priority 10 ->"), "the recording moved the priority:\n" + cluster.tail(node, 40));
        assertFalse(log.contains("suspends threads with SIGUSR2"), "the launcher did not move the signal:\n" + log);
        cluster.signal(node, "USR2");
        assertTrue(LocalCluster.await(DEADLINE, Duration.ofMillis(100),
                () -> cluster.field(node, "Priority").equals(Optional.of("11"))), cluster.tail(node, 20));
    }

    /**
     * {@code killall exoip}, as the original's ifupdown recipe stops it. Run in a PID namespace of
     * its own, so that it cannot reach any other exoip on this machine.
     */
    @Test
    void killallStopsTheWatchdogCleanly() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")) && Files.isExecutable(Path.of("/usr/bin/killall")),
                "needs unshare and killall (util-linux, psmisc)");
        assumeTrue(run("unshare", "--pid", "--fork", "--mount-proc", "true").isEmpty(),
                "cannot make a PID namespace here (not root?)");
        Path script = tmp.resolve("in-namespace.sh");
        Path pidFile = tmp.resolve("ns.pid");
        Path report = tmp.resolve("report");
        Path log = tmp.resolve("node-k.log");
        Files.writeString(script, String.join("\n",
                "#!/bin/sh",
                "# PID 1 of a fresh PID namespace: start exoip, find it by name, killall it.",
                "\"$@\" &",
                "child=$!",
                "i=0",
                "while [ ! -s '" + pidFile + "' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done",
                "# Signals are handled once the watchdog runs: wait for its first decision.",
                "i=0",
                "while ! grep -q 'STARTING -> MASTER' '" + log + "' && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done",
                "echo \"child=$child pidfile=$(cat '" + pidFile + "') pgrep=$(pgrep -x exoip | tr '\\n' ' ')\" > '"
                        + report + "'",
                "killall exoip",
                "wait $child",
                "echo \"exit=$?\" >> '" + report + "'",
                ""));
        List<String> launcher = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc", "sh",
                script.toString()));
        launcher.addAll(java());
        cluster = new LocalCluster(launcher, tmp);
        Node node = cluster.addNode("node-k");
        cluster.start(node, "-t", "0.2", "--pid-file", pidFile.toString());
        Process namespace = node.process().orElseThrow();
        assertTrue(namespace.waitFor(DEADLINE.toSeconds() * 2, TimeUnit.SECONDS), cluster.tail(node, 30));
        List<String> lines = Files.readAllLines(report);
        String[] found = lines.get(0).split(" ");
        String child = found[0].substring("child=".length());
        assertEquals("pidfile=" + child, found[1], lines.toString());
        assertEquals("pgrep=" + child, found[2], lines.toString());
        assertEquals("exit=0", lines.get(1), cluster.tail(node, 30));
        assertTrue(cluster.tail(node, 30).contains("SIGTERM received"), cluster.tail(node, 30));
        assertFalse(Files.exists(pidFile));
    }

    /**
     * A stop at any moment of the start: before, the JVM's default took SIGTERM until the watchdog
     * ran (about 0.8 s), exiting 143 with nothing logged and the PID file left behind. Now the
     * stop is handled from the first line of the program. Only a stop that comes before the JVM
     * has started the program at all (nothing written yet) still ends with the JVM's own 143.
     */
    @Test
    void aStopAtAnyMomentOfTheStartExitsZeroAndLeavesNoPidFile() throws Exception {
        cluster = new LocalCluster(java(), tmp);
        Node node = cluster.addNode("node-s");
        for (int delay : new int[] {0, 100, 250, 500, 750, 1000}) {
            Path pidFile = tmp.resolve("early-" + delay + ".pid");
            Files.deleteIfExists(node.log());
            cluster.start(node, "-t", "0.2", "--pid-file", pidFile.toString());
            Process process = node.process().orElseThrow();
            TimeUnit.MILLISECONDS.sleep(delay); // the moment of the stop is what this test varies
            process.destroy();
            assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), cluster.tail(node, 20));
            String log = Files.exists(node.log()) ? Files.readString(node.log()) : "";
            assertFalse(Files.exists(pidFile), "SIGTERM " + delay + " ms after launch left the PID file:\n" + log);
            if (process.exitValue() != 0) {
                assertEquals(143, process.exitValue(), log);
                assertEquals("", log.strip(), "a stop after the program began must exit 0, not 143 (" + delay + " ms)");
            }
        }

        // Deterministic moments: once the PID file is there, and while the metadata server is down.
        Path pidFile = tmp.resolve("written.pid");
        cluster.start(node, "-t", "0.2", "--pid-file", pidFile.toString());
        Process written = node.process().orElseThrow();
        assertTrue(LocalCluster.await(DEADLINE, () -> Files.exists(pidFile)), cluster.tail(node, 20));
        written.destroy();
        assertTrue(written.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, written.exitValue(), cluster.tail(node, 20));
        assertFalse(Files.exists(pidFile), cluster.tail(node, 20));

        int closed = freeTcpPort();
        List<String> command = new ArrayList<>(java());
        command.addAll(List.of("-W", "-O", "-xi", LocalCluster.ELASTIC_IP, "-xk", cluster.apiKey(),
                "--api-secret-file", cluster.secretFile().toString(),
                "-xe", cluster.standin().apiBase().toString(), "--metadata-url", "http://127.0.0.1:" + closed + "/latest",
                "-p", "127.0.0.2", "-l", "127.0.0.1:" + cluster.port(), "--pid-file", pidFile.toString()));
        Path log = tmp.resolve("no-metadata.log");
        Process waiting = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertTrue(LocalCluster.await(DEADLINE, () -> {
                try {
                    return Files.readString(log).contains("Start-up: cannot find this instance and its zone yet");
                } catch (IOException e) {
                    return false;
                }
            }), "the start-up does not retry the metadata server");
            assertTrue(Files.exists(pidFile));
            waiting.destroy();
            assertTrue(waiting.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
            assertEquals(0, waiting.exitValue(), Files.readString(log));
            assertTrue(Files.readString(log).contains("SIGTERM received while starting: exiting"), Files.readString(log));
            assertFalse(Files.exists(pidFile));
        } finally {
            waiting.destroyForcibly();
        }
    }

    /**
     * SIGHUP reloads instead of killing: the API secret is rotated (the stand-in now refuses the
     * old one) and the watchdog keeps its address with the new one; a secret file that became
     * empty is refused with one line and the secret in use kept; the process never exits.
     */
    @Test
    void sighupRotatesTheApiSecretAndNeverStopsTheWatchdog() throws Exception {
        cluster = new LocalCluster(java(), tmp);
        Node node = cluster.addNode("node-h");
        cluster.start(node, "-t", "0.2", "--reconcile-interval", "0.5");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                cluster.tail(node, 20));
        String elasticIpId = cluster.standin().state().findElasticIp(LocalCluster.ELASTIC_IP).orElseThrow().id();

        String rotated = UUID.randomUUID() + "-" + UUID.randomUUID();
        Files.writeString(cluster.secretFile(), rotated + "\n");
        cluster.standin().state().addCredential(cluster.apiKey(), rotated);
        cluster.signal(node, "HUP");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.tail(node, 20).contains("Reload: API secret changed")),
                cluster.tail(node, 20));
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.tail(node, 20).contains("Peers unchanged")),
                cluster.tail(node, 20));
        // An operator detaches it: the next reconcile puts it back, signed with the new secret.
        cluster.standin().state().detach(elasticIpId, node.id().toString());
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                "not re-attached with the rotated secret:\n" + cluster.tail(node, 20));

        Files.writeString(cluster.secretFile(), "\n");
        cluster.signal(node, "HUP");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.tail(node, 20).contains("keeping the API secret in use")),
                cluster.tail(node, 20));
        cluster.standin().state().detach(elasticIpId, node.id().toString());
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                "the secret in use was lost:\n" + cluster.tail(node, 20));
        assertTrue(node.running(), cluster.tail(node, 20));
        assertFalse(Files.readString(node.log()).contains(rotated), "the new secret reached the log");
    }

    /**
     * Started as {@code nohup exoip -W ... &} in a script starts it, with SIGHUP and SIGINT ignored:
     * the JVM would keep them ignored, so a reload or a stop was lost without a word. Through the
     * launcher, SIGHUP reloads and SIGINT stops with a hand-over.
     */
    @Test
    void throughTheLauncherSighupAndSigintWorkWhenStartedIgnored() throws Exception {
        assumeTrue(RESETS_SIGNALS, "needs env --default-signal (coreutils 8.31 or later), which the launcher uses");
        String jar = Path.of(System.getProperty("exoip.jar", "target/exoip.jar")).toAbsolutePath().toString();
        cluster = new LocalCluster(withHupAndIntIgnored(List.of("env", "EXOIP_JAR=" + jar, launcher().toString())),
                tmp);
        Node node = cluster.addNode("node-n");
        cluster.start(node, "-t", "0.2");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                cluster.tail(node, 20));

        cluster.signal(node, "HUP");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.tail(node, 20).contains("SIGHUP received: reloading")),
                cluster.tail(node, 20));
        cluster.signal(node, "INT");
        Process process = node.process().orElseThrow();
        assertTrue(process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), cluster.tail(node, 20));
        assertEquals(0, process.exitValue(), cluster.tail(node, 20));
        assertTrue(cluster.tail(node, 20).contains("SIGINT received"), cluster.tail(node, 20));
        assertEquals(Set.of(), cluster.holders(), "a clean stop lets go of the address");
        assertFalse(Files.readString(node.log()).contains("will not work"), Files.readString(node.log()));
    }

    /**
     * The jar run by the JVM directly with SIGHUP and SIGINT ignored: the JVM cannot handle them,
     * so exoip says once, at start, what will not work and how to start it instead.
     */
    @Test
    void runDirectlyWithSighupAndSigintIgnoredItWarnsOnceAtStart() throws Exception {
        cluster = new LocalCluster(withHupAndIntIgnored(jvm()), tmp);
        Node node = cluster.addNode("node-w");
        cluster.start(node, "-t", "0.2");
        assertTrue(LocalCluster.await(DEADLINE, () -> cluster.soleHolder().filter(n -> n == node).isPresent()),
                cluster.tail(node, 20));
        List<String> warnings = Files.readAllLines(node.log()).stream().filter(l -> l.contains("will not work")).toList();
        assertEquals(1, warnings.size(), cluster.tail(node, 20));
        assertTrue(warnings.get(0).contains("WARN") && warnings.get(0).contains(
                "SIGINT (stop), SIGHUP (reload) will not work: exoip was started with them ignored (nohup, or '&' in"
                + " a script)"), warnings.get(0));
        assertTrue(warnings.get(0).contains("Start exoip through its launcher"), warnings.get(0));
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.process.PidFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The service options (metrics, log format, PID file, dry run) run in-process. */
class ServiceOptionsTest {

    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");

    private final Map<String, String> env = new HashMap<>();
    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<Optional<Long>> pidDuringRun = new ArrayList<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path tmp;

    private int run(String... args) {
        Path pid = tmp.resolve("exoip.pid");
        CloudConnector connector = (config, known) -> {
            pidDuringRun.add(PidFile.read(pid));
            return new CloudConnector.Cloud(SELF, cloud, Optional.empty());
        };
        CommandLine cmd = ExoipCommand.commandLine(env, connector, SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private static String[] attach(String... more) {
        List<String> args = new ArrayList<>(List.of("-A", "-O", "-xi", "198.51.100.50", "-xk", "EXOkey",
                "-xs", "s3cr3t-VALUE-never-printed"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void checkShowsTheServiceSettings() {
        assertEquals(0, run(attach("-n", "--metrics-address", "127.0.0.1:9573", "--log-format", "JSON",
                "--pid-file", "/run/exoip.pid", "--dry-run")));
        String text = out.toString();
        assertTrue(text.contains("metrics:            http://127.0.0.1:9573/metrics"), text);
        assertTrue(text.contains("log format:         json"), text);
        assertTrue(text.contains("PID file:           /run/exoip.pid"), text);
        assertTrue(text.contains("dry run:            yes"), text);
    }

    @ParameterizedTest
    @CsvSource({"127.0.0.2:9100,http://127.0.0.2:9100/metrics", ":9100,http://*:9100/metrics",
        "127.0.0.2,http://127.0.0.2:9573/metrics", " 127.0.0.2 ,http://127.0.0.2:9573/metrics"})
    void theMetricsAddressTakesEveryFormItsHelpNames(String address, String url) {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().replaceAll("\\s+", " ").contains("':PORT' listens on every address, 'HOST' alone on "
                + "port 9573"), out.toString());
        assertEquals(0, run(attach("-n", "--metrics-address", address)));
        assertTrue(out.toString().contains("metrics:            " + url), out.toString());
    }

    @Test
    void everySettingComesFromItsVariable() {
        env.put("IF_EXOSCALE_METRICS_ADDRESS", ":9573");
        env.put("IF_EXOSCALE_LOG_FORMAT", "json");
        env.put("IF_EXOSCALE_PID_FILE", "/run/exoip/eth0.pid");
        env.put("IF_EXOSCALE_DRY_RUN", "true");
        assertEquals(0, run(attach("-n")));
        String text = out.toString();
        assertTrue(text.contains("metrics:            http://*:9573/metrics"), text);
        assertTrue(text.contains("log format:         json"), text);
        assertTrue(text.contains("PID file:           /run/exoip/eth0.pid"), text);
        assertTrue(text.contains("dry run:            yes"), text);
    }

    @Test
    void offByDefault() {
        assertEquals(0, run(attach("-n")));
        String text = out.toString();
        assertTrue(text.contains("metrics:            off"), text);
        assertTrue(text.contains("log format:         text"), text);
        assertTrue(text.contains("dry run:            no"), text);
    }

    @Test
    void badValuesAreUsageErrors() {
        assertEquals(2, run(attach("--metrics-address", "9573")));
        assertTrue(err.toString().contains("'9573' is not an IPv4 address (expected IPV4:PORT, :PORT or IPV4, "
                + "e.g. 127.0.0.1:9573, :9573 or 127.0.0.1): for port 9573 on every address, give :9573"),
                err.toString());
        assertEquals(2, run(attach("--metrics-address", "example.com:9573")));
        assertEquals(2, run(attach("--metrics-address", "127.0.0.1:99999")));
        assertEquals(2, run(attach("--metrics-address", "localhost:9573")));
        assertEquals(2, run(attach("--log-format", "xml")));
        assertTrue(err.toString().contains("expected text or json"), err.toString());
    }

    @Test
    void dryRunReadsButDoesNotAttach() {
        assertEquals(0, run(attach("--dry-run")));
        assertEquals(0, cloud.writes());
        assertEquals(Set.of(), cloud.currentHolders());
        assertEquals(0, run(attach()));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        assertEquals(0, run("-D", "-O", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", "s3cr3t-VALUE-never-printed",
                "--dry-run"));
        assertEquals(Set.of(SELF), cloud.currentHolders(), "a dry-run -D leaves the address where it is");
    }

    @Test
    void pidFileExistsWhileRunningAndIsRemovedAfter() {
        Path pid = tmp.resolve("exoip.pid");
        assertEquals(0, run(attach("--pid-file", pid.toString())));
        assertEquals(List.of(Optional.of(ProcessHandle.current().pid())), pidDuringRun);
        assertFalse(Files.exists(pid));
    }

    @Test
    void anUnwritablePidFileFailsTheRun() {
        assertEquals(1, run(attach("--pid-file", tmp.resolve("missing/exoip.pid").toString())));
        assertTrue(err.toString().contains("cannot write the PID file"), err.toString());
        assertEquals(0, cloud.writes());
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.health.CheckSpec;
import org.exoip.health.CheckSpec.Kind;
import org.exoip.health.ProcessGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The checks' one-value syntax, and the options and variables that carry it. */
class HealthOptionsTest {

    private static CheckSpec parse(Kind kind, String text) {
        return HealthOptions.CheckSyntax.parse(kind, text);
    }

    @Test
    void defaultsAreSafeForANodeThatBootsBeforeItsService() {
        CheckSpec http = parse(Kind.HTTP, "http://127.0.0.1:8404/healthz");
        assertEquals(new CheckSpec(Kind.HTTP, "http://127.0.0.1:8404/healthz", List.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 2, 2, true, 0), http);
        assertEquals("fault", http.action());
    }

    @Test
    void knobsFollowTheTarget() {
        CheckSpec tcp = parse(Kind.TCP, "127.0.0.1:80 interval=2s timeout=500ms rise=3 fall=4 weight=50 init-ok");
        assertEquals(new CheckSpec(Kind.TCP, "127.0.0.1:80", List.of(), Duration.ofSeconds(2), Duration.ofMillis(500),
                3, 4, false, 50), tcp);
        assertEquals("weight +50", tcp.action());
    }

    @Test
    void anExecCheckIsItsWordsWithoutAShellQuotesGrouping() {
        CheckSpec exec = parse(Kind.EXEC, "sh -c 'pidof haproxy && test -S \"/run/haproxy admin.sock\"' interval=0.5"
                + " fault");
        assertEquals(List.of("sh", "-c", "pidof haproxy && test -S \"/run/haproxy admin.sock\""), exec.command());
        assertEquals(Duration.ofMillis(500), exec.interval());
        assertEquals(Duration.ofMillis(500), exec.timeout(), "the timeout defaults to the interval");
        assertEquals(List.of("/usr/bin/env", "FOO=bar", "check"), parse(Kind.EXEC, "/usr/bin/env FOO=bar check")
                .command());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP|http://127.0.0.1/ weight=-20|weight=-20: expected a whole number from 1 to 254, added to the priority "
                + "value while the check fails (lower wins, so the node drops back), or 'fault'",
        "HTTP|http://127.0.0.1/ fault weight=20|'fault' conflicts with another knob of the same check (expected one "
                + "of fault or weight=N, one of init-fail or init-ok)",
        "HTTP|ftp://127.0.0.1/|'ftp://127.0.0.1/' is not an http(s) URL (expected e.g. http://127.0.0.1:8404/healthz)",
        "HTTP|http://127.0.0.1/ fal=2|'fal=2' in 'http://127.0.0.1/ fal=2' is not a knob (expected URL then "
                + "interval=DURATION timeout=DURATION rise=N fall=N, then fault or weight=N, init-fail or init-ok)",
        "TCP|127.0.0.1|'127.0.0.1' is not HOST:PORT (expected HOST:PORT, e.g. 127.0.0.1:80)",
        "TCP|127.0.0.1:70000|'70000' is not a port from 1 to 65535 (expected HOST:PORT, e.g. 127.0.0.1:80)",
        "TCP|127.0.0.1:80 rise=0|rise=0: expected a count from 1 to 100",
        "TCP|127.0.0.1:80 interval=5ms|interval=5ms: shorter than the minimum of 10ms",
        "TCP|127.0.0.1:80 interval=soon|interval=soon: 'soon' is not a duration (expected seconds such as 1 or 0.2, "
                + "or a number with a unit such as 200ms or 2s)",
        "EXEC|sh -c 'exit 1|'sh -c 'exit 1' has an unclosed ' (expected words, quoted with ' or \" where they hold "
                + "blanks)",
    })
    void badChecksSayWhatWasExpected(Kind kind, String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> parse(kind, text)).getMessage());
    }

    private final Map<String, String> env = new HashMap<>(Map.of("IF_ADDRESS", "198.51.100.50",
            "IF_EXOSCALE_API_KEY", "EXOkey", "IF_EXOSCALE_API_SECRET", "secret", "IF_EXOSCALE_PEERS", "192.0.2.2"));
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
        CommandLine cmd = ExoipCommand.commandLine(env, (config, known) -> new CloudConnector.Cloud(
                UUID.randomUUID(), cloud, Optional.empty()), SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    void checksComeFromTheOptionsOrFromNumberedVariables() {
        env.put("IF_EXOIP_CHECK_HTTP", "http://127.0.0.1:8404/healthz fall=3");
        env.put("IF_EXOIP_CHECK_HTTP_2", "http://127.0.0.1:8405/ready weight=30");
        env.put("IF_EXOIP_CHECK_TCP", "127.0.0.1:80");
        env.put("IF_EXOIP_TRACK_FILE", "/run/exoip/maintenance");
        assertEquals(0, run("-W", "-n", "--check-tcp", "127.0.0.1:443 interval=2s"), err.toString());
        String shown = out.toString();
        assertTrue(shown.contains("check:              http http://127.0.0.1:8404/healthz: fault, every 1000ms, "
                + "timeout 1000ms, rise 2, fall 3, init-fail\n"), shown);
        assertTrue(shown.contains("check:              http http://127.0.0.1:8405/ready: weight +30"), shown);
        assertTrue(shown.contains("check:              tcp 127.0.0.1:443: fault, every 2000ms"), shown);
        assertFalse(shown.contains("tcp 127.0.0.1:80:"), "the option wins over its variables: " + shown);
        assertTrue(shown.contains("track file:         /run/exoip/maintenance\n"), shown);
    }

    @Test
    void aBadCheckIsAUsageErrorNamingItsVariableOrOption() {
        env.put("IF_EXOIP_CHECK_HTTP_3", "http://127.0.0.1/ weight=-20");
        assertEquals(2, run("-W", "-n"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for IF_EXOIP_CHECK_HTTP_3 (from the environment): "
                + "weight=-20: expected a whole number from 1 to 254"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("-W", "-n", "--check-tcp", "localhost"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for option '--check-tcp': 'localhost' is not "
                + "HOST:PORT"), err.toString());
        assertFalse(err.toString().contains("\tat "), "no stack trace");
    }

    @Test
    void asRootExecChecksRunAsAUserThatMustExist() {
        assumeTrue(ProcessGroup.runningAsRoot(), "only root changes users");
        assertEquals(0, run("-W", "-n", "--check-exec", "true"), err.toString());
        assertTrue(out.toString().contains("exec checks run as: nobody\n"), out.toString());
        assertEquals(2, run("-W", "-n", "--check-exec", "true", "--check-user", "no-such-user-here"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for --check-user: no user 'no-such-user-here' "
                + "(getent passwd no-such-user-here found none) (expected a user that exists, e.g. nobody)"),
                err.toString());
    }

    @Test
    void theNotifyHookTakesATimeoutKnobAndABadOneIsNamed() {
        assertEquals(0, run("-W", "-n", "--notify", "/etc/exoip/notify.sh --page timeout=5s"), err.toString());
        assertTrue(out.toString().contains("notify:             /etc/exoip/notify.sh --page (timeout 5000ms)\n"),
                out.toString());
        assertEquals(2, run("-W", "-n", "--notify", "/etc/exoip/notify.sh timeout=soon"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for option '--notify': timeout=soon: 'soon' is not "
                + "a duration"), err.toString());
        err.getBuffer().setLength(0);
        env.put("IF_EXOIP_NOTIFY", "'unclosed");
        assertEquals(2, run("-W", "-n"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for IF_EXOIP_NOTIFY (from the environment): "
                + "''unclosed' has an unclosed '"), err.toString());
    }
}

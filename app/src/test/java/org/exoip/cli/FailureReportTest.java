package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.exoip.logging.SyslogReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One failure, said once on each stream the operator reads, wherever the logs go (-O, syslog, or
 * standard error when there is no syslog), as text or JSON; in JSON mode every line of both streams
 * parses. In-process, with the command's standard output and error captured.
 */
class FailureReportTest {

    private static final String SECRET = "s3cr3t-VALUE-never-printed";
    private static final String REASON = "read http://127.0.0.1:1/latest/meta-data/instance-id failed: refused";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");

    @TempDir
    Path tmp;

    private final Map<String, String> env = new HashMap<>();
    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private CloudConnector connector = (config, known) -> {
        throw new CloudException(REASON, false);
    };
    private EventLoopGroup syslogGroup;

    @AfterEach
    void logAsTheOtherTestsDo() {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
        if (syslogGroup != null) {
            syslogGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private int run(String... more) {
        List<String> args = new ArrayList<>(List.of("-A", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", SECRET));
        args.addAll(List.of(more));
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        return ExoipCommand.commandLine(env, connector, SignalInstaller.NONE, out, err).execute(args.toArray(String[]::new));
    }

    private List<String> out() {
        return outBytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private List<String> err() {
        return errBytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static long mentions(List<String> lines, String text) {
        return lines.stream().filter(l -> l.contains(text)).count();
    }

    private Path noSyslog() {
        return tmp.resolve("no-such-log");
    }

    @Test
    void logsOnStandardOutputAndOneLineOnStandardError() {
        assertEquals(1, run("-O"));
        assertEquals(1, mentions(out(), REASON), out()::toString);
        assertTrue(out().stream().anyMatch(l -> l.contains(" ERROR ") && l.endsWith("ExoipCommand: " + REASON)),
                out()::toString);
        assertEquals(List.of("exoip: " + REASON), err());
    }

    @Test
    void logsOnStandardErrorWhenThereIsNoSyslogAndNothingTwice() {
        assertEquals(1, run("--syslog-socket", noSyslog().toString()));
        assertEquals(List.of(), out());
        assertEquals(1, mentions(err(), REASON), err()::toString);
        assertTrue(err().stream().anyMatch(l -> l.contains(" ERROR ") && l.endsWith("ExoipCommand: " + REASON)),
                err()::toString);
        assertEquals(1, mentions(err(), "syslog at " + noSyslog() + " is unavailable"), err()::toString);
    }

    @Test
    void logsToSyslogAndOneLineOnStandardError() throws Exception {
        Path socket = tmp.resolve("log");
        BlockingQueue<String> syslog = syslogAt(socket);
        assertEquals(1, run("--syslog-socket", socket.toString()));
        assertEquals(List.of("exoip: " + REASON), err());
        assertEquals(List.of(), out());
        String datagram = syslog.poll(10, TimeUnit.SECONDS);
        assertNotNull(datagram, "no syslog datagram within 10 s");
        assertTrue(datagram.startsWith("<27>") && datagram.endsWith("ExoipCommand: " + REASON), datagram);
        assertEquals(null, syslog.poll(), "once in syslog too");
    }

    @Test
    void aFailureOutsideTheCloudIsSaidOnceToo() {
        connector = (config, known) -> new CloudConnector.Cloud(
                SELF, cloud, Optional.empty());
        String pid = tmp.resolve("missing/exoip.pid").toString();
        assertEquals(1, run("--syslog-socket", noSyslog().toString(), "--pid-file", pid));
        assertEquals(1, mentions(err(), "PID file"), err()::toString);
        assertFalse(err().stream().anyMatch(l -> l.startsWith("exoip: ")), err()::toString);

        outBytes.reset();
        errBytes.reset();
        assertEquals(1, run("-O", "--pid-file", pid));
        assertEquals(1, mentions(out(), "PID file"), out()::toString);
        assertEquals(1, err().size(), err()::toString);
        assertTrue(err().get(0).startsWith("exoip: ") && err().get(0).contains("PID file"), err()::toString);
    }

    @Test
    void aFailedAttachIsRecordedAsACallAndItsReasonSaidOnce() {
        String refused = "attach 198.51.100.50 to " + SELF + " failed: 503 Service Unavailable";
        connector = (config, known) -> new CloudConnector.Cloud(SELF, new ElasticIpProvider() {
            @Override
            public Set<UUID> holders() {
                return Set.of();
            }

            @Override
            public void attach(UUID instance) throws CloudException {
                throw new CloudException(refused, false);
            }

            @Override
            public void detach(UUID instance) {
                throw new AssertionError("-A never detaches");
            }
        }, Optional.empty());
        assertEquals(1, run("-O"));
        assertEquals(1, mentions(out(), "API attach " + SELF + ": failure in "), out()::toString);
        assertEquals(1, mentions(out(), refused), out()::toString);
        assertEquals(List.of("exoip: " + refused), err());
    }

    @Test
    void inJsonModeEveryLineOfBothStreamsIsJsonAndTheReasonIsThereOnce() throws Exception {
        assertEquals(1, run("-O", "--log-format", "json"));
        List<JsonNode> out = parse(out());
        List<JsonNode> err = parse(err());
        assertEquals(1, out.stream().filter(l -> l.get("message").asText().equals(REASON)).count(), out::toString);
        assertEquals(1, err.size(), err::toString);
        assertEquals(REASON, err.get(0).get("message").asText());
        assertEquals("ERROR", err.get(0).get("level").asText());
        assertEquals(1, err.get(0).get("exit_code").intValue());

        outBytes.reset();
        errBytes.reset();
        assertEquals(1, run("--log-format", "json", "--syslog-socket", noSyslog().toString()));
        assertEquals(List.of(), out());
        err = parse(err());
        assertEquals(1, err.stream().filter(l -> l.get("message").asText().equals(REASON)).count(), err::toString);
        JsonNode failure = err.stream().filter(l -> l.get("level").asText().equals("ERROR")).findFirst().orElseThrow();
        assertEquals(1, failure.get("exit_code").intValue(), failure.toString());
    }

    @Test
    void inJsonModeASuccessfulRunIsJsonThroughoutWithNumbersAsNumbers() throws Exception {
        connector = (config, known) -> new CloudConnector.Cloud(
                SELF, cloud, Optional.empty());
        assertEquals(0, run("-O", "--log-format", "json", "-v"));
        List<JsonNode> out = parse(out());
        assertEquals(List.of(), err());
        List<JsonNode> calls = out.stream().filter(l -> l.path("event").asText().equals("api_call")).toList();
        assertEquals(2, calls.size(), "the read and the attach: " + out);
        for (JsonNode call : calls) {
            assertTrue(call.get("duration_ms").isIntegralNumber(), call.toString());
        }
        assertFalse(outBytes.toString(StandardCharsets.UTF_8).contains(SECRET));
    }

    /** Every line parsed as JSON: fails on the first one that does not parse. */
    private static List<JsonNode> parse(List<String> lines) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : lines) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    /** A syslog daemon stand-in: a Unix datagram socket at {@code path}, its datagrams in the queue. */
    private BlockingQueue<String> syslogAt(Path path) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        syslogGroup = new EpollEventLoopGroup(1);
        Channel server = SyslogReceiver.bind(syslogGroup, path, received);
        assertTrue(server.isActive());
        return received;
    }
}

package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real Unix datagram socket in a temporary directory, standing in for /dev/log. */
class SyslogTest {

    private static final long DEADLINE_SECONDS = 10;
    private static final String HEADER = "[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d exoip\\[\\d+]: ";

    @TempDir
    Path dir;

    private final CapturedStreams streams = new CapturedStreams();
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Logger log = LogManager.getLogger("org.exoip.watchdog.WatchdogEngine");
    private EventLoopGroup group;
    private Path socket;
    private Channel server;

    @BeforeAll
    static void needsTheNativeTransport() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux"),
                "Unix datagram sockets through Netty's epoll transport: Linux only");
        // On Linux the native transport is part of the product: its absence is a failure, not a skip.
        assertTrue(Epoll.isAvailable(), () -> "Netty epoll unavailable: " + Epoll.unavailabilityCause());
    }

    @BeforeEach
    void startSyslog() {
        group = new EpollEventLoopGroup(1);
        socket = dir.resolve("log");
        server = bindServer();
    }

    @AfterEach
    void stop() {
        Logging.reset();
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @Test
    void eachEventIsOneRfc3164DatagramOfFacilityDaemonWithTheNode() throws InterruptedException {
        LogTarget actual = Logging.configure(LogTarget.SYSLOG, Level.INFO, "i-1128bd56", socket, streams.out,
                streams.err);

        log.debug("not at INFO");
        log.info("State BACKUP -> MASTER");
        log.warn("Peer 192.0.2.7 is dead");
        log.error("Cannot attach the Elastic IP");

        assertEquals(LogTarget.SYSLOG, actual);
        String info = next();
        assertMatches("<30>" + HEADER + "\\[i-1128bd56] WatchdogEngine: State BACKUP -> MASTER", info);
        assertTrue(info.contains(" exoip[" + ProcessHandle.current().pid() + "]: "), info);
        assertMatches("<28>" + HEADER + "\\[i-1128bd56] WatchdogEngine: Peer 192\\.0\\.2\\.7 is dead", next());
        assertMatches("<27>" + HEADER + "\\[i-1128bd56] WatchdogEngine: Cannot attach the Elastic IP", next());
        assertNull(received.poll(), "the DEBUG line was sent");
        assertEquals(List.of(), streams.outLines());
        assertEquals(List.of(), streams.errLines());
    }

    @Test
    void aMissingSocketFallsBackToStandardErrorAfterOneWarning() {
        Path missing = dir.resolve("no-syslog-here");

        LogTarget actual = Logging.configure(LogTarget.SYSLOG, Level.INFO, "node-f", missing, streams.out,
                streams.err);
        log.info("first line after the fallback");

        assertEquals(LogTarget.STDERR, actual);
        List<String> err = streams.errLines();
        assertEquals(2, err.size(), err::toString);
        assertTrue(err.get(0).contains(" WARN  [node-f] Logging: syslog at " + missing + " is unavailable ("), err.get(0));
        assertTrue(err.get(0).endsWith("); logs go to standard error"), err.get(0));
        assertTrue(err.get(1).endsWith(" INFO  [node-f] WatchdogEngine: first line after the fallback"), err.get(1));
        assertEquals(List.of(), streams.outLines());
        assertEquals(0, Logging.droppedSyslogLines());
    }

    @Test
    void aSyslogThatGoesAwayCostsDroppedLinesNotExceptionsAndIsFoundAgain() throws Exception {
        Logging.configure(LogTarget.SYSLOG, Level.INFO, "node-r", socket, streams.out, streams.err);
        log.info("before");
        assertTrue(next().endsWith("WatchdogEngine: before"));

        server.close().awaitUninterruptibly();
        Files.delete(socket);
        log.info("lost 1");
        log.info("lost 2");
        waitUntil(() -> Logging.droppedSyslogLines() == 2);

        List<String> err = streams.errLines();
        assertEquals(1, err.size(), err::toString);
        assertTrue(err.get(0).startsWith("exoip: syslog at " + socket + " does not take log lines ("), err.get(0));

        server = bindServer(); // the daemon restarts: a new socket at the same path
        log.info("back");
        assertTrue(next().endsWith("WatchdogEngine: back"));
        assertMatches("<28>" + HEADER + "\\[node-r] Logging: 2 log lines were dropped: syslog at .* did not take them",
                next());
        assertEquals(1, streams.errLines().size());
    }

    @Test
    void theSocketPathIsAPlainParameter() throws InterruptedException {
        Path other = dir.resolve("other.sock");
        Channel second = bind(other);
        try {
            Logging.configure(LogTarget.SYSLOG, Level.INFO, "node-p", other, streams.out, streams.err);
            log.info("to the other socket");
            assertTrue(next().endsWith("to the other socket"));
        } finally {
            second.close().awaitUninterruptibly();
        }
    }

    private Channel bindServer() {
        return bind(socket);
    }

    private Channel bind(Path path) {
        return SyslogReceiver.bind(group, path, received);
    }

    private String next() throws InterruptedException {
        String datagram = received.poll(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertNotNull(datagram, "no datagram within " + DEADLINE_SECONDS + " s");
        return datagram;
    }

    private static void assertMatches(String regex, String actual) {
        assertTrue(actual.matches(regex), () -> "expected /" + regex + "/ but was: " + actual);
    }

    private static void waitUntil(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within " + DEADLINE_SECONDS + " s");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}

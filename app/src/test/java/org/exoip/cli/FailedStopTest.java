package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.Level;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.exoip.watchdog.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A master whose stop cannot detach the Elastic IP (the API hangs) exits 1 and says so on standard
 * error in one line, as every failure does, even with the log on standard output (-O). In-process,
 * with a real engine on loopback; the stop comes once this node holds the address.
 */
class FailedStopTest {

    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
    /** The engine gives a stopping master the dead time plus 5 s twice over before it gives up. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final CountDownLatch apiBack = new CountDownLatch(1);

    @AfterEach
    void releaseTheApiAndLogAsTheOtherTestsDo() {
        apiBack.countDown();
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
    }

    @Test
    void aMasterThatCannotLetGoSaysSoOnStandardErrorToo() throws Exception {
        InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
        ElasticIpProvider detachHangs = new ElasticIpProvider() {
            @Override
            public Set<UUID> holders() throws CloudException {
                return cloud.holders();
            }

            @Override
            public void attach(UUID instance) throws CloudException {
                cloud.attach(instance);
            }

            @Override
            public void detach(UUID instance) throws CloudException {
                try {
                    apiBack.await(); // no answer: the engine's --api-timeout gives up on it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new CloudException("detach: no answer", true);
            }
        };
        CloudConnector connector = (config, known) -> new CloudConnector.Cloud(SELF, detachHangs, Optional.empty());
        SignalInstaller stopOnceMaster = running -> {
            Thread stopper = new Thread(() -> {
                long end = System.nanoTime() + DEADLINE.toNanos();
                while (System.nanoTime() < end) {
                    if (running.engine().role() == Role.MASTER && cloud.currentHolders().equals(Set.of(SELF))) {
                        running.engine().stop(); // as SIGTERM does
                        return;
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "test-stopper");
            stopper.setDaemon(true);
            stopper.start();
        };

        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        int code = -1;
        // A port probed free may be taken before the engine binds it: then try another.
        for (int attempt = 0; attempt < 3; attempt++) {
            outBytes.reset();
            errBytes.reset();
            PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
            code = ExoipCommand.commandLine(Map.of(), connector, stopOnceMaster, out, err).execute("-W", "-O",
                    "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", "s3cr3t", "-i", SELF.toString(), "-xz", "ch-gva-2",
                    "-p", "127.0.0.2", "-l", "127.0.0.1:" + org.exoip.testkit.LoopbackPorts.freeUdpPort("127.0.0.1"), "-t", "50ms", "-r", "2",
                    "--api-timeout", "500ms", "--api-keep-warm", "0");
            if (!errBytes.toString(StandardCharsets.UTF_8).contains("in use")) {
                break;
            }
        }
        String out = outBytes.toString(StandardCharsets.UTF_8);
        List<String> err = errBytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, code, out);
        assertTrue(out.contains("Stopped (exit code 1)"), out);
        assertEquals(1, err.size(), "one line on standard error: " + err + "\nlog:\n" + out);
        assertTrue(err.get(0).startsWith("exoip: could not detach every Elastic IP it held from this instance "
                + "before stopping"), err.get(0));
        assertEquals(1, out.lines().filter(l -> l.contains(" ERROR ")).count(), "said once in the log: " + out);
    }
}

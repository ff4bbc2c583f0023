package org.exoip.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.exoip.cloud.ApiCallListener;
import org.exoip.logging.CapturedLog;
import org.exoip.watchdog.Decision;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.Watchdog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real hook processes: the argument and environment contract, order, the newest state winning, output logged. */
class NotifyHooksTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID PEER = UUID.fromString("00000000-0000-4000-8000-00000000000b");
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Role role = Role.STARTING;

    private Watchdog.Transition to(Role next, UUID master) {
        Decision from = new Decision(role, SELF, role == Role.MASTER ? SELF : role == Role.BACKUP ? PEER : null);
        role = next;
        return new Watchdog.Transition(from, new Decision(next, SELF, master), "test says so", 0);
    }

    private NotifyHooks hooks(String script, Duration timeout) throws Exception {
        Path hook = dir.resolve("hook.sh");
        Files.writeString(hook, "#!/bin/sh\n" + script);
        hook.toFile().setExecutable(true);
        return new NotifyHooks(List.of(hook.toString(), "first-arg"), timeout, "198.51.100.50", SELF, () -> 20,
                "node-n");
    }

    @Test
    void everyEventIsToldInOrderWithItsArgumentsAndEnvironment() throws Exception {
        Path log = dir.resolve("events");
        try (NotifyHooks hooks = hooks("echo \"$1 $2 $EXOIP_EVENT $EXOIP_PREVIOUS $EXOIP_ELASTIC_IP $EXOIP_INSTANCE_ID "
                + "$EXOIP_PRIORITY $EXOIP_MASTER [$EXOIP_REASON]\" >> " + log + "\n", Duration.ofSeconds(20))) {
            hooks.transition(to(Role.BACKUP, PEER));
            await(() -> lines(log) == 1);
            hooks.transition(to(Role.MASTER, SELF));
            await(() -> lines(log) == 2);
            hooks.called(ApiCallListener.ATTACH, SELF, ApiCallListener.Outcome.SUCCESS, 0);
            hooks.called(ApiCallListener.ATTACH, PEER, ApiCallListener.Outcome.SUCCESS, 0); // not ours: not told
            hooks.called(ApiCallListener.DETACH, SELF, ApiCallListener.Outcome.FAILURE, 0); // not done: not told
            hooks.called(ApiCallListener.DETACH, SELF, ApiCallListener.Outcome.SUCCESS, 0);
            await(() -> lines(log) == 4);
            hooks.transition(to(Role.FAULT, null));
            await(() -> lines(log) == 5);
        }
        assertEquals(List.of(
                "first-arg BACKUP BACKUP STARTING 198.51.100.50 " + SELF + " 20 " + PEER + " [test says so]",
                "first-arg MASTER MASTER BACKUP 198.51.100.50 " + SELF + " 20 " + SELF + " [test says so]",
                "first-arg ATTACHED ATTACHED MASTER 198.51.100.50 " + SELF + " 20 " + SELF
                        + " [this node's attach completed]",
                "first-arg DETACHED DETACHED MASTER 198.51.100.50 " + SELF + " 20 " + SELF
                        + " [this node's detach completed]",
                "first-arg FAULT FAULT MASTER 198.51.100.50 " + SELF + " 20  [test says so]"), Files.readAllLines(log));
    }

    @Test
    void aHungHookIsKilledByTheNextChangeOfRoleAndItsOutputIsLogged() throws Exception {
        Path pid = dir.resolve("pid");
        Path log = dir.resolve("events");
        String script = "echo \"hello from $2\"\nif [ \"$2\" = MASTER ]; then echo $$ > " + pid
                + "; exec sleep 1000; fi\necho \"$2\" >> " + log + "\n";
        try (CapturedLog captured = CapturedLog.of(Level.INFO, NotifyHooks.class);
                NotifyHooks hooks = hooks(script, Duration.ofSeconds(600))) {
            hooks.transition(to(Role.MASTER, SELF));
            await(() -> Files.exists(pid) && !read(pid).isEmpty());
            long hung = Long.parseLong(read(pid));
            hooks.transition(to(Role.BACKUP, PEER));
            await(() -> lines(log) == 1);
            assertEquals(List.of("BACKUP"), Files.readAllLines(log), "the newest state ran, not behind the hung one");
            await(() -> !Files.exists(Path.of("/proc", Long.toString(hung), "cmdline"))
                    || read(Path.of("/proc", Long.toString(hung), "stat")).contains(") Z "));
            captured.await(e -> e.getMessage().getFormattedMessage().equals("notify BACKUP: hello from BACKUP"),
                    DEADLINE);
            List<String> messages = captured.events().stream().map(LogEvent::getMessage)
                    .map(m -> m.getFormattedMessage()).toList();
            assertTrue(messages.contains("Notify hook for MASTER still running: killed, the newest state wins (BACKUP)"),
                    messages.toString());
        }
    }

    @Test
    void aHookPastItsTimeoutIsKilledAndTheNextOneRuns() throws Exception {
        Path log = dir.resolve("events");
        try (CapturedLog captured = CapturedLog.of(Level.WARN, NotifyHooks.class);
                NotifyHooks hooks = hooks("echo \"$2\" >> " + log + "\n[ \"$2\" = ATTACHED ] && exec sleep 1000\n"
                        + "exit 0\n", Duration.ofMillis(300))) {
            hooks.transition(to(Role.MASTER, SELF));
            hooks.called(ApiCallListener.ATTACH, SELF, ApiCallListener.Outcome.SUCCESS, 0);
            hooks.called(ApiCallListener.DETACH, SELF, ApiCallListener.Outcome.SUCCESS, 0);
            await(() -> lines(log) == 3);
            assertEquals(List.of("MASTER", "ATTACHED", "DETACHED"), Files.readAllLines(log));
            captured.await(e -> e.getMessage().getFormattedMessage().startsWith("Notify hook for ATTACHED failed"),
                    DEADLINE);
            assertFalse(captured.events().isEmpty());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (Exception e) {
            return "";
        }
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + DEADLINE.toSeconds() + " s");
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}

package org.exoip.notify;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.IntSupplier;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.ApiCallListener;
import org.exoip.health.ProcessGroup;
import org.exoip.logging.NodeThreadFactory;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.Watchdog;

/**
 * {@code --notify CMD}: runs the operator's command on every change of this node's role (MASTER,
 * BACKUP, FAULT, STOPPING) and when this node's own attach or detach of the Elastic IP completes
 * (ATTACHED, DETACHED).
 *
 * <p>Contract: the command gets the event as its last argument, and the environment
 * {@code EXOIP_EVENT}, {@code EXOIP_PREVIOUS} (the role before; for ATTACHED/DETACHED the role
 * now), {@code EXOIP_ELASTIC_IP}, {@code EXOIP_INSTANCE_ID}, {@code EXOIP_PRIORITY} (advertised
 * then), {@code EXOIP_MASTER} (the master's id, empty when none) and {@code EXOIP_REASON}, besides
 * {@code PATH} and {@code LANG}; it runs as exoip's own user (it may need {@code ip addr}), in a
 * process group of its own ({@link ProcessGroup}); its output is logged, line by line.
 *
 * <p>Hooks run one at a time, in the order of the events, on a thread of their own: never on the
 * event loop, never in the way of an advert. The newest state wins: a change of role kills a hook
 * still running (with its process group) and drops the events still queued, which describe a state
 * that is over; ATTACHED and DETACHED wait their turn. A hook past its timeout is killed likewise.
 * A node that keeps several Elastic IPs tells each address's events with {@code EXOIP_ELASTIC_IP}
 * set to it, and the newest state wins per address: a change for one never cuts another's hook.
 *
 * <p>Thread-safe: {@link #transition} (event loop) and {@link #called} (cloud threads) only queue.
 */
public final class NotifyHooks implements ApiCallListener, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(NotifyHooks.class);
    /** Output lines of one run logged at most; the rest is cut. */
    private static final int MAX_LOGGED_LINES = 20;

    /** What a hook is told about. */
    public enum Event {
        MASTER, BACKUP, FAULT, STOPPING, ATTACHED, DETACHED;

        boolean roleChange() {
            return this != ATTACHED && this != DETACHED;
        }
    }

    /** One event to tell, with what the environment says about it. */
    record Notice(Event event, String elasticIp, String previous, String master, String reason, int priority) {
    }

    private final List<String> command;
    private final Duration timeout;
    private final String elasticIp;
    private final UUID self;
    private final IntSupplier priority;
    private final ProcessGroup processes;
    private final Thread worker;
    private final Deque<Notice> queue = new ArrayDeque<>();
    /** The notice whose hook runs now; null between runs (guarded by this). */
    private Notice running;
    /** Per address (its text): the role and master now, for the ATTACHED and DETACHED events. */
    private final Map<String, Role> roles = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, UUID> masters = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean closed;

    /**
     * @param priority the priority advertised now (read when an event is queued)
     */
    public NotifyHooks(List<String> command, Duration timeout, String elasticIp, UUID self, IntSupplier priority,
            String node) throws IOException {
        this.command = List.copyOf(command);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.elasticIp = elasticIp;
        this.self = self;
        this.priority = priority;
        this.processes = ProcessGroup.create(Optional.empty());
        this.worker = new NodeThreadFactory(node, "exoip-notify").newThread(this::work);
        worker.start();
    }

    /** A change of decision (event loop): a change of role to anything but STARTING is told. */
    public void transition(Watchdog.Transition t) {
        String eip = address(t.elasticIp());
        Role to = t.to().role();
        if (t.to().master() == null) {
            masters.remove(eip);
        } else {
            masters.put(eip, t.to().master());
        }
        Role from = roles.getOrDefault(eip, Role.STARTING);
        roles.put(eip, to);
        if (!t.roleChanged() || to == Role.STARTING) {
            return;
        }
        offer(new Notice(Event.valueOf(to.name()), eip, from.name(), idOrEmpty(t.to().master()), t.why(),
                priority.getAsInt()));
    }

    @Override
    public void called(String operation, UUID instance, Outcome outcome, long nanos) {
        called(null, operation, instance, outcome, nanos);
    }

    @Override
    public void called(java.net.Inet4Address address, String operation, UUID instance, Outcome outcome, long nanos) {
        if (outcome != Outcome.SUCCESS || !self.equals(instance)) {
            return;
        }
        Event event = ATTACH.equals(operation) ? Event.ATTACHED : DETACH.equals(operation) ? Event.DETACHED : null;
        if (event != null) {
            String eip = address(address);
            offer(new Notice(event, eip, roles.getOrDefault(eip, Role.STARTING).name(), idOrEmpty(masters.get(eip)),
                    "this node's " + operation + " completed", priority.getAsInt()));
        }
    }

    /** The address as hooks are told it; none (a node of one address) is the configured one. */
    private String address(java.net.Inet4Address address) {
        return address == null ? elasticIp : address.getHostAddress();
    }

    private static String idOrEmpty(UUID id) {
        return id == null ? "" : id.toString();
    }

    synchronized void offer(Notice notice) {
        if (closed) {
            return;
        }
        if (notice.event().roleChange()) {
            List<Notice> over = queue.stream().filter(n -> n.elasticIp().equals(notice.elasticIp())).toList();
            if (!over.isEmpty()) {
                LOG.info("Notify: dropping {} queued event(s) {}, overtaken by {}", over.size(),
                        over.stream().map(n -> n.event().name()).toList(), notice.event());
                queue.removeAll(over);
            }
            if (running != null && running.elasticIp().equals(notice.elasticIp())) {
                LOG.warn("Notify hook for {} still running: killed, the newest state wins ({})", running.event(),
                        notice.event());
                worker.interrupt();
            }
        }
        queue.addLast(notice);
        notifyAll();
    }

    private void work() {
        while (true) {
            Notice notice;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // an interrupt meant for a hook that had just ended: nothing to kill
                    }
                }
                if (queue.isEmpty()) {
                    return; // closed, and every event told
                }
                notice = queue.removeFirst();
                running = notice;
                Thread.interrupted();
            }
            try {
                run(notice);
            } catch (InterruptedException e) {
                LOG.debug("Notify hook for {} interrupted", notice.event());
            } finally {
                synchronized (this) {
                    running = null;
                    Thread.interrupted(); // a kill that came as the hook ended concerns no other hook
                }
            }
        }
    }

    private void run(Notice n) throws InterruptedException {
        List<String> argv = new ArrayList<>(command);
        argv.add(n.event().name());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("EXOIP_EVENT", n.event().name());
        env.put("EXOIP_PREVIOUS", n.previous());
        env.put("EXOIP_ELASTIC_IP", n.elasticIp());
        env.put("EXOIP_INSTANCE_ID", self.toString());
        env.put("EXOIP_PRIORITY", Integer.toString(n.priority()));
        env.put("EXOIP_MASTER", n.master());
        env.put("EXOIP_REASON", n.reason());
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "notify")
                .put("notify_event", n.event().name())) {
            ProcessGroup.Result result;
            try {
                result = processes.run(argv, env, timeout);
            } catch (IOException e) {
                LOG.error("Notify hook for {} could not run {}: {}", n.event(), command.get(0), e.getMessage());
                return;
            }
            String[] lines = result.output().strip().split("\n");
            for (int i = 0; i < Math.min(lines.length, MAX_LOGGED_LINES); i++) {
                if (!lines[i].isBlank()) {
                    LOG.info("notify {}: {}", n.event(), lines[i].strip());
                }
            }
            String took = String.format(java.util.Locale.ROOT, "%.3fs", result.took().toNanos() / 1e9);
            if (result.success()) {
                LOG.info("Notify hook for {} exited 0 in {}", n.event(), took);
            } else {
                LOG.warn("Notify hook for {} failed in {}: {}", n.event(), took, result.timedOut()
                        ? "timed out after " + timeout.toMillis() + " ms (process group killed)"
                        : "exit " + result.exitCode());
            }
        }
    }

    /**
     * Takes no more events, lets the hooks of those queued run (the STOPPING one among them), each
     * within its timeout, then stops; gives up after {@link #CLOSE_WAIT}, killing the one in flight.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        try {
            worker.join(CLOSE_WAIT.plus(timeout).toMillis());
            if (worker.isAlive()) {
                worker.interrupt();
                worker.join(ProcessGroup.KILL_GRACE.toMillis() + 5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.close();
    }

    /** How long a stopping exoip waits for its last hooks beyond one timeout. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
}

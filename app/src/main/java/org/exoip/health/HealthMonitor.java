package org.exoip.health;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.logging.NodeThreadFactory;

/**
 * Runs the node's health checks and watches its track file, each on a thread of its own, never on
 * the watchdog's event loop, and turns them into a {@link HealthVerdict}. A check's next run starts
 * one interval after its previous one started, or at once when that one took longer: never two runs
 * of a check at once. One log line (with JSON fields {@code event=check_state}) per change of a
 * check's state or of the track file, not per run.
 *
 * <p>Thread-safe. Listeners are called one change at a time, on a check's or the track file's thread.
 */
public final class HealthMonitor implements NodeHealth, AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(HealthMonitor.class);
    /** How often the track file's attributes are looked at. */
    public static final Duration TRACK_FILE_POLL = Duration.ofMillis(500);

    /** One check's state and counts, as {@code info} and the metrics show them. */
    public record CheckStatus(CheckSpec spec, boolean passing, long runs, long failures, Optional<String> lastResult,
            Optional<String> lastError, Duration lastDuration, OptionalLong lastRunNanos) {
    }

    private final List<Check> checks = new ArrayList<>();
    private final Optional<TrackFile> trackFile;
    private final LongSupplier nanoClock;
    private final ProcessGroup processes;
    private final HttpClient http;
    private final List<Consumer<HealthVerdict>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService threads;
    private TrackFile.Reading trackReading = new TrackFile.Reading(0, null);
    private volatile HealthVerdict verdict;

    /**
     * Builds the monitor without running anything: {@link #start()} schedules the runs, tests call
     * {@link #runCheck(int)} and {@link #pollTrackFile()} themselves.
     *
     * @param runAs the user exec checks run as; empty: this process's user
     */
    public HealthMonitor(List<CheckSpec> specs, Optional<TrackFile> trackFile, Optional<ProcessGroup.RunAs> runAs,
            String node, LongSupplier nanoClock) throws IOException {
        this.trackFile = trackFile;
        this.nanoClock = nanoClock;
        // Only exec checks need one (and its output file: none in a read-only container without them).
        this.processes = specs.stream().anyMatch(s -> s.kind() == CheckSpec.Kind.EXEC) ? ProcessGroup.create(runAs)
                : null;
        this.http = specs.stream().anyMatch(s -> s.kind() == CheckSpec.Kind.HTTP)
                ? Probe.httpClient(specs.stream().map(CheckSpec::timeout).max(Duration::compareTo).orElseThrow())
                : null;
        for (CheckSpec spec : specs) {
            checks.add(new Check(spec, Probe.of(spec, processes, http)));
        }
        this.threads = Executors.newScheduledThreadPool(Math.max(1, specs.size() + (trackFile.isPresent() ? 1 : 0)),
                new NodeThreadFactory(node, "exoip-check"));
        trackFile.ifPresent(f -> trackReading = f.poll());
        this.verdict = compute();
        for (Check check : checks) {
            if (!check.state.passing()) {
                LOG.info("Check {} counts as failing ({}) until it passes {} time(s) in a row (init-fail)",
                        check.spec.name(), check.spec.action(), check.spec.rise());
            }
        }
        trackFile.ifPresent(f -> LOG.info("Track file {}: {}", f.path(), trackReading.describe()));
    }

    /** Starts every check's first run now, and the track file's polling. */
    public void start() {
        for (int i = 0; i < checks.size(); i++) {
            int index = i;
            schedule(() -> runAndReschedule(index), 0);
        }
        trackFile.ifPresent(f -> threads.scheduleWithFixedDelay(this::pollTrackFile, TRACK_FILE_POLL.toNanos(),
                TRACK_FILE_POLL.toNanos(), TimeUnit.NANOSECONDS));
    }

    private void schedule(Runnable run, long delayNanos) {
        try {
            threads.schedule(run, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Checks stopped: not scheduling another run");
        }
    }

    private void runAndReschedule(int index) {
        long started = nanoClock.getAsLong();
        try {
            runCheck(index);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closing
        } catch (RuntimeException e) {
            LOG.warn("Check {} failed to run: {}", checks.get(index).spec.name(), e.toString());
        }
        long next = started + checks.get(index).spec.interval().toNanos() - nanoClock.getAsLong();
        schedule(() -> runAndReschedule(index), Math.max(0, next));
    }

    /** Runs check {@code index} once, on the calling thread, and records its result. */
    public void runCheck(int index) throws InterruptedException {
        Check check = checks.get(index);
        long start = nanoClock.getAsLong();
        Probe.Outcome outcome = check.probe.run();
        record(index, outcome.success(), outcome.detail(), Duration.ofNanos(nanoClock.getAsLong() - start));
    }

    /** Records a result of check {@code index} as if it had run (the probes' own tests, and {@link #runCheck}). */
    void record(int index, boolean success, String detail, Duration took) {
        Check check = checks.get(index);
        boolean changed;
        synchronized (this) {
            check.runs++;
            if (!success) {
                check.failures++;
                check.lastError = detail;
            }
            check.lastResult = detail;
            check.lastDuration = took;
            check.lastRunNanos = nanoClock.getAsLong();
            check.ran = true;
            changed = check.state.record(success);
        }
        if (changed) {
            boolean passing = check.state.passing();
            try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "check_state")
                    .put("check", check.spec.name()).put("state", passing ? "passing" : "failing")
                    .put("action", check.spec.action()).put("detail", detail)) {
                if (passing) {
                    LOG.info("Check {} passes again after {} success(es) in a row: {}", check.spec.name(),
                            check.spec.rise(), detail);
                } else {
                    LOG.warn("Check {} fails after {} failure(s) in a row ({}): {}", check.spec.name(),
                            check.spec.fall(), check.spec.action(), detail);
                }
            }
            publish();
        }
    }

    /** Re-reads the track file when it changed; on the calling thread. */
    public void pollTrackFile() {
        TrackFile file = trackFile.orElseThrow();
        TrackFile.Reading reading = file.poll();
        boolean changed;
        synchronized (this) {
            changed = !reading.equals(trackReading);
            trackReading = reading;
        }
        if (changed) {
            try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "track_file")
                    .put("path", file.path().toString()).put("value", reading.describe())) {
                if (reading.usable()) {
                    LOG.info("Track file {}: {}", file.path(), reading.describe());
                } else {
                    LOG.warn("Track file {} is unusable, the node is in fault: {}", file.path(), reading.problem());
                }
            }
            publish();
        }
    }

    private synchronized void publish() {
        HealthVerdict next = compute();
        if (!next.equals(verdict)) {
            verdict = next;
            listeners.forEach(l -> l.accept(next));
        }
    }

    private synchronized HealthVerdict compute() {
        List<String> faults = new ArrayList<>();
        int delta = 0;
        for (Check check : checks) {
            if (!check.state.passing()) {
                if (check.spec.faults()) {
                    faults.add("check " + check.spec.name() + " failing");
                } else {
                    delta += check.spec.weight();
                }
            }
        }
        if (!trackReading.usable()) {
            faults.add("track file unusable: " + trackReading.problem());
        }
        return new HealthVerdict(true, faults, delta, trackReading.value());
    }

    @Override
    public HealthVerdict current() {
        return verdict;
    }

    @Override
    public void onChange(Consumer<HealthVerdict> listener) {
        listeners.add(listener);
    }

    /** Every check's state now. */
    public synchronized List<CheckStatus> statuses() {
        List<CheckStatus> out = new ArrayList<>();
        for (Check c : checks) {
            out.add(new CheckStatus(c.spec, c.state.passing(), c.runs, c.failures, Optional.ofNullable(c.lastResult),
                    Optional.ofNullable(c.lastError), c.lastDuration,
                    c.ran ? OptionalLong.of(c.lastRunNanos) : OptionalLong.empty()));
        }
        return out;
    }

    /** The track file's reading now, if there is one. */
    public synchronized Optional<TrackFile.Reading> trackReading() {
        return trackFile.map(f -> trackReading);
    }

    @Override
    public String report() {
        long now = nanoClock.getAsLong();
        StringBuilder out = new StringBuilder();
        for (CheckStatus s : statuses()) {
            out.append("Check ").append(s.spec().name()).append(' ').append(s.passing() ? "passing" : "FAILING")
                    .append(" (").append(s.spec().action()).append(", every ").append(ProcessGroup.seconds(
                            s.spec().interval())).append(" rise ").append(s.spec().rise()).append(" fall ")
                    .append(s.spec().fall()).append(") runs=").append(s.runs()).append(" failures=")
                    .append(s.failures()).append(" last=").append(s.lastResult().orElse("never run"));
            if (s.lastRunNanos().isPresent()) {
                out.append(" (took ").append(ProcessGroup.seconds(s.lastDuration())).append(", ")
                        .append(ProcessGroup.seconds(Duration.ofNanos(now - s.lastRunNanos().getAsLong()))).append(" ago)");
            }
            s.lastError().ifPresent(e -> out.append(" last-error=").append(e));
            out.append('\n');
        }
        trackFile.ifPresent(f -> out.append(String.format(Locale.ROOT, "%-12s%s: %s\n", "Track file", f.path(),
                trackReading().orElseThrow().describe() + (trackReading().orElseThrow().usable() && !f.exists()
                        ? " (no file)" : ""))));
        return out.toString();
    }

    /**
     * The warnings for weight checks that can never change the master, for a node that has just become
     * master with priority {@code priority} (as advertised) while the best alive peer advertises
     * {@code bestPeer}: a failing check whose weight leaves this node still ahead moves nothing.
     */
    public List<String> uselessWeights(int priority, OptionalInt bestPeer) {
        List<String> out = new ArrayList<>();
        if (bestPeer.isEmpty()) {
            return out;
        }
        int gap = bestPeer.getAsInt() - priority;
        for (Check c : checks) {
            if (!c.spec.faults() && c.spec.weight() < gap) {
                out.add("Check " + c.spec.name() + ": weight " + c.spec.weight() + " cannot change the master: this "
                        + "master's priority " + priority + " + " + c.spec.weight() + " still beats the next node's "
                        + bestPeer.getAsInt() + " (a gap of " + gap + "); use a weight above " + (gap - 1)
                        + " or 'fault'");
            }
        }
        return out;
    }

    /** Whether any weight check is configured (only then is {@link #uselessWeights} worth asking). */
    public boolean hasWeights() {
        return checks.stream().anyMatch(c -> !c.spec.faults());
    }

    @Override
    public void close() {
        threads.shutdownNow();
        try {
            threads.awaitTermination(ProcessGroup.KILL_GRACE.toMillis() + 6000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (processes != null) {
            processes.close();
        }
    }

    private static final class Check {
        final CheckSpec spec;
        final Probe probe;
        final CheckState state;
        long runs;
        long failures;
        String lastResult;
        String lastError;
        Duration lastDuration = Duration.ZERO;
        long lastRunNanos;
        boolean ran;

        Check(CheckSpec spec, Probe probe) {
            this.spec = spec;
            this.probe = probe;
            this.state = new CheckState(spec.rise(), spec.fall(), spec.initFail());
        }
    }
}

package org.exoip.health;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One health check as the operator configured it, checked once.
 *
 * @param kind     what the check does
 * @param target   the command line, {@code HOST:PORT} or URL as written (for logs, {@code info}, metrics)
 * @param command  for {@link Kind#EXEC}: the program and its arguments (no shell); empty otherwise
 * @param interval time between the starts of two runs
 * @param timeout  a run past this is killed (with its process group) and counts as a failure
 * @param rise     successes in a row that make a failing check pass
 * @param fall     failures in a row that make a passing check fail
 * @param initFail whether the check counts as failing from the start until it has passed {@code rise}
 *                 times (true, the default: a node that boots before its service does not take over)
 * @param weight   0: a failing check faults the node; 1..254: while failing, the priority value grows by it
 */
public record CheckSpec(Kind kind, String target, List<String> command, Duration interval, Duration timeout,
        int rise, int fall, boolean initFail, int weight) {

    /** The largest weight: a weight moves the priority within 0..254, 255 being a fault or a stop. */
    public static final int MAX_WEIGHT = 254;
    /** The most rise or fall counts accepted. */
    public static final int MAX_COUNT = 100;
    /** The shortest interval and timeout accepted. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(10);

    /** The kinds of check, with the option that configures each. */
    public enum Kind {
        /** A command: passes when it exits 0 within the timeout. */
        EXEC("--check-exec"),
        /** A TCP connect to {@code HOST:PORT}: passes when the connection is accepted within the timeout. */
        TCP("--check-tcp"),
        /** An HTTP(S) GET: passes on a 2xx answer within the timeout (redirects are not followed). */
        HTTP("--check-http");

        private final String option;

        Kind(String option) {
            this.option = option;
        }

        /** The command-line option of this kind. */
        public String option() {
            return option;
        }

        /** The lower-case label, for metrics and logs: {@code exec}, {@code tcp}, {@code http}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public CheckSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        command = List.copyOf(command);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        if (kind == Kind.EXEC && command.isEmpty()) {
            throw new IllegalArgumentException("an exec check needs a command");
        }
        if (interval.compareTo(MIN_INTERVAL) < 0 || timeout.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval and timeout must be at least 10 ms");
        }
        if (rise < 1 || rise > MAX_COUNT || fall < 1 || fall > MAX_COUNT) {
            throw new IllegalArgumentException("rise and fall must be 1.." + MAX_COUNT);
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("weight must be 0 (fault) or 1.." + MAX_WEIGHT);
        }
    }

    /** Whether a failing check faults the node (rather than moving its priority). */
    public boolean faults() {
        return weight == 0;
    }

    /** How the check is named in logs, {@code info} and metrics: {@code http http://127.0.0.1:8404/healthz}. */
    public String name() {
        return kind.label() + " " + target;
    }

    /** What a failure does, in words: {@code fault} or {@code weight +20}. */
    public String action() {
        return faults() ? "fault" : "weight +" + weight;
    }
}

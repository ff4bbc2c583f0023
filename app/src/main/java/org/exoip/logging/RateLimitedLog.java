package org.exoip.logging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;

/**
 * Logs events that anyone on the network can trigger (bad datagrams, unknown senders) without
 * letting them flood the log: at most N lines per key per window, by default 1 per 10 s. When a
 * key's window has passed, its next line says how many were suppressed:
 * {@code Dropped a datagram from 192.0.2.7:12345: bad length (37 similar suppressed in the last 10 s)};
 * a key that falls silent gets one summary line, written with the next line of any key.
 *
 * <p>Memory is bounded: at most {@code maxKeys} keys are tracked (1024 by default). Keys whose
 * window has passed are forgotten first; when the table is still full, new keys share one
 * overflow key with its own limit, so a flood from many spoofed addresses yields at most
 * {@code (maxKeys + 1) × linesPerWindow} lines per window.
 *
 * <p>Time comes from the injected {@code nanoTime} (monotonic). Thread-safe: callers may be on
 * any thread (the Netty event loop, send listeners); the bookkeeping is synchronized and lines are
 * logged outside the lock. Never blocks on anything but the logger.
 */
public final class RateLimitedLog {

    /** Default window: 10 s. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
    /** Default lines per key per window: 1. */
    public static final int DEFAULT_LINES_PER_WINDOW = 1;
    /** Default number of keys tracked: 1024. */
    public static final int DEFAULT_MAX_KEYS = 1024;

    private final Logger logger;
    private final LongSupplier nanoTime;
    private final int linesPerWindow;
    private final long windowNanos;
    private final int maxKeys;

    /** Insertion order is window-start order (a key is re-inserted when its window restarts), so expired keys come first. */
    private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>();
    /** Shared by new keys while {@code windows} is full; null when not in use. */
    private Window overflow;
    private long suppressed;

    /** At most 1 line per key per 10 s, 1024 keys tracked. */
    public RateLimitedLog(Logger logger, LongSupplier nanoTime) {
        this(logger, nanoTime, DEFAULT_LINES_PER_WINDOW, DEFAULT_WINDOW, DEFAULT_MAX_KEYS);
    }

    /**
     * At most {@code linesPerWindow} lines per key per {@code window}, {@code maxKeys} keys tracked.
     *
     * @throws IllegalArgumentException when a limit is not positive
     */
    public RateLimitedLog(Logger logger, LongSupplier nanoTime, int linesPerWindow, Duration window, int maxKeys) {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        if (linesPerWindow < 1) {
            throw new IllegalArgumentException("linesPerWindow " + linesPerWindow + " (expected: at least 1)");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window " + window + " (expected: positive)");
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys " + maxKeys + " (expected: at least 1)");
        }
        this.linesPerWindow = linesPerWindow;
        this.windowNanos = window.toNanos();
        this.maxKeys = maxKeys;
    }

    /** {@link #log} at WARN. */
    public void warn(String key, String message) {
        log(Level.WARN, key, message);
    }

    /** {@link #log} at INFO. */
    public void info(String key, String message) {
        log(Level.INFO, key, message);
    }

    /**
     * Logs {@code message} unless {@code key} has used up its lines in the current window, in which
     * case it is only counted. Does nothing (and tracks nothing) when {@code level} is disabled.
     *
     * @param key what makes lines "similar", for example the sender's address and the reason
     */
    public void log(Level level, String key, String message) {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(key, "key");
        if (!logger.isEnabled(level)) {
            return;
        }
        List<Line> lines = null;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            boolean overflowing = !windows.containsKey(key) && windows.size() >= maxKeys;
            List<Map.Entry<String, Window>> expired = removeExpired(now);
            if (overflowing && windows.size() < maxKeys) {
                overflowing = false; // an expired key made room
            }
            long carried = 0;
            long carriedFor = 0;
            for (Map.Entry<String, Window> gone : expired) {
                Window w = gone.getValue();
                if (w.suppressed == 0) {
                    continue;
                }
                if (!overflowing && gone.getKey().equals(key)) {
                    carried = w.suppressed;
                    carriedFor = now - w.start;
                } else {
                    lines = add(lines, summary(w, " similar", now));
                }
            }
            if (overflow != null && now - overflow.start >= windowNanos) {
                if (overflow.suppressed > 0) {
                    if (overflowing) {
                        carried = overflow.suppressed;
                        carriedFor = now - overflow.start;
                    } else {
                        lines = add(lines, summary(overflow, " from other sources", now));
                    }
                }
                overflow = null;
            }
            Window window;
            if (overflowing) {
                if (overflow == null) {
                    overflow = new Window(now);
                }
                window = overflow;
            } else {
                window = windows.get(key);
                if (window == null) {
                    window = new Window(now);
                    windows.put(key, window);
                }
            }
            if (window.lines < linesPerWindow) {
                window.lines++;
                String text = message;
                if (carried > 0) {
                    text += " (" + carried + (overflowing ? " from other sources" : " similar")
                            + " suppressed in the last " + elapsed(carriedFor) + ")";
                } else if (overflowing && window.lines == 1) {
                    text += " (over " + maxKeys + " sources: lines from new ones are limited together)";
                }
                lines = add(lines, new Line(level, text));
            } else {
                window.suppressed++;
                window.lastLevel = level;
                window.lastMessage = message;
                suppressed++;
            }
        }
        if (lines != null) {
            for (Line line : lines) {
                logger.log(line.level, line.text);
            }
        }
    }

    /** Lines suppressed since this log was made. */
    public synchronized long suppressed() {
        return suppressed;
    }

    /** Windows tracked now, the shared overflow window included (tests). */
    synchronized int trackedKeys() {
        return windows.size() + (overflow == null ? 0 : 1);
    }

    private List<Map.Entry<String, Window>> removeExpired(long now) {
        List<Map.Entry<String, Window>> expired = List.of();
        Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Window> entry = it.next();
            if (now - entry.getValue().start < windowNanos) {
                break; // later entries started later: none of them has expired either
            }
            if (expired.isEmpty()) {
                expired = new ArrayList<>();
            }
            expired.add(Map.entry(entry.getKey(), entry.getValue()));
            it.remove();
        }
        return expired;
    }

    private static Line summary(Window w, String similar, long now) {
        return new Line(w.lastLevel, w.lastMessage + " (last of " + w.suppressed + similar + " suppressed in the last "
                + elapsed(now - w.start) + ")");
    }

    private static String elapsed(long nanos) {
        if (nanos < 1_000_000_000L) {
            return Math.max(1, nanos / 1_000_000) + " ms";
        }
        return Math.round(nanos / 1e9) + " s";
    }

    private static List<Line> add(List<Line> lines, Line line) {
        List<Line> list = lines == null ? new ArrayList<>(2) : lines;
        list.add(line);
        return list;
    }

    private record Line(Level level, String text) {
    }

    private static final class Window {
        final long start;
        int lines;
        long suppressed;
        Level lastLevel;
        String lastMessage;

        Window(long start) {
            this.start = start;
        }
    }
}

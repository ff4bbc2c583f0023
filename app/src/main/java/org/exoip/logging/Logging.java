package org.exoip.logging;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.ThreadContext;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.impl.ContextDataFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.StringMap;

/**
 * The one entry point that sets up log4j2 for the exoip process: where lines go ({@link LogTarget}),
 * how verbose they are, and the node identity every line carries ({@code %X{node}}).
 *
 * <p>Call {@link #configure} once from {@code main} before anything logs, and {@link #shutdown}
 * last, after the final line (log4j2's own JVM shutdown hook is disabled so that lines written
 * while the program lets go of the Elastic IP on SIGTERM are not lost). Both are thread-safe;
 * logging itself may happen from any thread.
 */
public final class Logging {

    /** The local syslog socket, a Unix datagram socket, as syslog(3) uses it. */
    public static final Path DEFAULT_SYSLOG_SOCKET = Path.of("/dev/log");

    /** The log4j2 {@link ThreadContext} key that holds the node identity. */
    public static final String NODE_KEY = "node";

    /** A line on standard output or error: ISO-8601 time with milliseconds and zone, level, node, logger, message. */
    static final String STREAM_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%X{node}%notEmpty{ %X{eip}}] %c{1}: %m";

    /** The message part of a syslog datagram: syslog adds time and severity itself. */
    static final String SYSLOG_PATTERN = "[%X{node}%notEmpty{ %X{eip}}] %c{1}: %m";

    private static final Duration SYSLOG_OPEN_TIMEOUT = Duration.ofSeconds(2);
    private static final long SHUTDOWN_TIMEOUT_MILLIS = 2_000;
    private static final Object LOCK = new Object();

    private static volatile SyslogSocketAppender syslog;

    private Logging() {
    }

    /** Configures log4j2 for the whole process, syslog at {@link #DEFAULT_SYSLOG_SOCKET}; see {@link #configure(LogTarget, Level, String, Path)}. */
    public static LogTarget configure(LogTarget target, Level level, String node) {
        return configure(target, level, node, DEFAULT_SYSLOG_SOCKET);
    }

    /**
     * Configures log4j2 for the whole process; call once from {@code main} before anything logs
     * (calling again replaces the previous set-up). The calling thread, and every thread that no
     * {@link NodeThreadFactory} made, logs as {@code node}.
     *
     * <p>With {@link LogTarget#SYSLOG}, when nothing can be reached at {@code syslogSocket} (no
     * syslog on the machine, no native transport), lines go to standard error instead, after one
     * warning that says so.
     *
     * @param level the least severe level written: {@link #level(boolean)} gives INFO, or DEBUG for
     *     {@code -v}; at DEBUG exceptions are written with their stack trace, otherwise as one clause
     * @param node the node identity every line carries (the instance id, or its address)
     * @param syslogSocket the syslog socket ({@code --syslog-socket}); only used with SYSLOG
     * @return where lines actually go: {@code target}, or STDERR when syslog was unavailable
     */
    public static LogTarget configure(LogTarget target, Level level, String node, Path syslogSocket) {
        return configure(target, level, node, syslogSocket, LogFormat.TEXT);
    }

    /**
     * As {@link #configure(LogTarget, Level, String, Path)}, with lines on standard output or error
     * written in {@code format} ({@code --log-format}); syslog messages are always text, as syslog
     * adds its own time, host and severity.
     */
    public static LogTarget configure(LogTarget target, Level level, String node, Path syslogSocket, LogFormat format) {
        return configure(target, level, node, syslogSocket, format, System.out, System.err);
    }

    /** As the public overload, writing to {@code out} and {@code err} instead of the process's streams (tests). */
    static LogTarget configure(LogTarget target, Level level, String node, Path syslogSocket, PrintStream out,
            PrintStream err) {
        return configure(target, level, node, syslogSocket, LogFormat.TEXT, out, err);
    }

    /** As the public overload with a format, writing to {@code out} and {@code err} instead of the process's streams (tests). */
    public static LogTarget configure(LogTarget target, Level level, String node, Path syslogSocket, LogFormat format,
            PrintStream out, PrintStream err) {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(syslogSocket, "syslogSocket");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        String self = checkNode(node);
        boolean stackTraces = level.isLessSpecificThan(Level.DEBUG);
        synchronized (LOCK) {
            LoggerContext context = LoggerContext.getContext(false);
            ProcessConfiguration config = new ProcessConfiguration(context, level);
            LogTarget actual = target;
            String syslogUnavailable = null;
            Appender appender;
            switch (target) {
                case STDOUT -> appender = lines("stdout", config, self, stackTraces, format, out);
                case STDERR -> appender = lines("stderr", config, self, stackTraces, format, err);
                case SYSLOG -> {
                    LineLayout body = new LineLayout(config, SYSLOG_PATTERN, self, stackTraces, "");
                    Appender opened;
                    try {
                        opened = SyslogSocketAppender.open("syslog", body, syslogSocket, SYSLOG_OPEN_TIMEOUT, err,
                                format, self);
                    } catch (IOException | LinkageError e) {
                        syslogUnavailable = e.getMessage();
                        opened = lines("stderr", config, self, stackTraces, format, err);
                        actual = LogTarget.STDERR;
                    }
                    appender = opened;
                }
                default -> throw new IllegalArgumentException("unknown log target " + target);
            }
            config.writeTo(appender);
            ThreadContext.put(NODE_KEY, self);
            context.reconfigure(config); // stops the previous configuration and its appenders
            syslog = appender instanceof SyslogSocketAppender s ? s : null;
            if (syslogUnavailable != null) {
                LogManager.getLogger(Logging.class).warn("syslog at {} is unavailable ({}); logs go to standard error",
                        syslogSocket, syslogUnavailable);
            }
            return actual;
        }
    }

    /**
     * A line the program writes on standard error itself, beside the log: why it exits, or that
     * syslog stopped taking lines. As text {@code exoip: message}; as JSON an object shaped like a
     * log line ({@code time}, {@code level}, {@code node}, {@code logger} "exoip", {@code thread},
     * {@code message}) with {@code fields} at its top level, a number as a number, so that every
     * line of the stream parses. Registered secrets are masked. Any thread.
     */
    public static String standardErrorLine(LogFormat format, Level level, String message, Map<String, String> fields) {
        if (format != LogFormat.JSON) {
            return Secrets.maskRegistered("exoip: " + message);
        }
        String node = ThreadContext.get(NODE_KEY);
        StringMap data = ContextDataFactory.createContextData(fields.size() + 1);
        fields.forEach(data::putValue);
        data.putValue(NODE_KEY, node == null || node.isBlank() ? "exoip" : checkNode(node));
        Log4jLogEvent event = Log4jLogEvent.newBuilder()
                .setLoggerName("exoip")
                .setLevel(level)
                .setMessage(new SimpleMessage(message))
                .setThreadName(Thread.currentThread().getName())
                .setTimeMillis(System.currentTimeMillis())
                .setContextData(data)
                .build();
        return new JsonLineLayout(LoggerContext.getContext(false).getConfiguration(), "exoip", false)
                .toSerializable(event).stripTrailing();
    }

    /** The level for the {@code -v} flag: DEBUG when verbose, INFO otherwise. */
    public static Level level(boolean verbose) {
        return verbose ? Level.DEBUG : Level.INFO;
    }

    /** Lines dropped because syslog did not take them, since the last {@link #configure}; 0 when not logging to syslog. */
    public static long droppedSyslogLines() {
        SyslogSocketAppender current = syslog;
        return current == null ? 0 : current.dropped();
    }

    /**
     * Writes out what is still queued (syslog datagrams) and stops logging, waiting at most 2 s.
     * Call it last, after the final line: nothing is logged afterwards.
     */
    public static void shutdown() {
        synchronized (LOCK) {
            syslog = null;
            LoggerContext.getContext(false).stop(SHUTDOWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Back to log4j2's start-up configuration, with no node and no registered secrets (tests). */
    static void reset() {
        synchronized (LOCK) {
            syslog = null;
            LoggerContext.getContext(false).reconfigure();
            ThreadContext.remove(NODE_KEY);
            Secrets.clearRegistered();
        }
    }

    /** Checks a node identity and makes it safe for one line: no control characters (a newline would forge a line). */
    static String checkNode(String node) {
        Objects.requireNonNull(node, "node");
        if (node.isBlank()) {
            throw new IllegalArgumentException("node identity is blank");
        }
        StringBuilder safe = new StringBuilder(node.length());
        node.codePoints().forEach(c -> safe.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return safe.toString();
    }

    private static Appender lines(String name, ProcessConfiguration config, String node, boolean stackTraces,
            LogFormat format, PrintStream stream) {
        if (format == LogFormat.JSON) {
            return new PrintStreamAppender(name, new JsonLineLayout(config, node, stackTraces), stream);
        }
        return new PrintStreamAppender(name, new LineLayout(config, STREAM_PATTERN, node, stackTraces,
                System.lineSeparator()), stream);
    }
}

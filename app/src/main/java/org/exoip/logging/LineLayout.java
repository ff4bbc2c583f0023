package org.exoip.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.impl.ContextDataFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.AbstractStringLayout;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.util.StringMap;

/**
 * A {@link PatternLayout} line with three guarantees the pattern alone cannot give: a thread that
 * never set a node logs with the process's node, an exception is one short clause unless stack
 * traces are asked for (DEBUG), and registered {@link Secrets} are masked. Stateless after
 * construction, so safe for concurrent use as log4j2 requires of a layout.
 */
final class LineLayout extends AbstractStringLayout {

    private final PatternLayout pattern;
    private final String defaultNode;
    private final boolean stackTraces;
    private final String lineEnd;

    /**
     * @param pattern a log4j2 pattern without {@code %n} and without an exception converter
     * @param stackTraces whether an event's exception is written in full (DEBUG) rather than as one clause
     * @param lineEnd appended to every line ({@code ""} for a syslog datagram)
     */
    LineLayout(Configuration config, String pattern, String defaultNode, boolean stackTraces, String lineEnd) {
        super(StandardCharsets.UTF_8);
        this.pattern = PatternLayout.newBuilder()
                .withConfiguration(config)
                .withPattern(pattern)
                .withAlwaysWriteExceptions(false)
                .withCharset(StandardCharsets.UTF_8)
                .build();
        this.defaultNode = defaultNode;
        this.stackTraces = stackTraces;
        this.lineEnd = lineEnd;
    }

    @Override
    public String toSerializable(LogEvent event) {
        StringBuilder line = new StringBuilder(pattern.toSerializable(withNode(event, defaultNode)));
        Throwable thrown = event.getThrown();
        if (thrown != null) {
            if (stackTraces) {
                StringWriter trace = new StringWriter();
                thrown.printStackTrace(new PrintWriter(trace));
                line.append(System.lineSeparator()).append(trace.toString().stripTrailing());
            } else {
                line.append(" (").append(summary(thrown)).append(')');
            }
        }
        return Secrets.maskRegistered(line.append(lineEnd).toString());
    }

    /** {@code java.io.IOException: reason}, with the root cause when there is another one. */
    static String summary(Throwable thrown) {
        Throwable root = thrown;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 32; depth++) {
            root = root.getCause();
        }
        return root == thrown ? thrown.toString() : thrown + "; cause: " + root;
    }

    /** The event, with {@code defaultNode} as its node when it carries none. */
    static LogEvent withNode(LogEvent event, String defaultNode) {
        if (event.getContextData().getValue(Logging.NODE_KEY) != null) {
            return event;
        }
        // A thread that no NodeThreadFactory made (JVM shutdown hooks, library threads): the process's node.
        StringMap data = ContextDataFactory.createContextData(event.getContextData());
        data.putValue(Logging.NODE_KEY, defaultNode);
        return new Log4jLogEvent.Builder(event).setContextData(data).build();
    }
}

package org.exoip.logging;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records what some loggers log while open, for tests that check a log line, its level or the
 * absence of a stack trace. Thread-safe; close it to detach and restore the levels.
 */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final List<String> loggers;
    private final List<Level> previous;

    private CapturedLog(Level level, List<String> loggers) {
        super("captured-log-" + System.identityHashCode(new Object()), null, null, true, Property.EMPTY_ARRAY);
        this.loggers = loggers;
        this.previous = loggers.stream().map(name -> LogManager.getLogger(name).getLevel()).toList();
        start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(this, Level.ALL, null);
        context.updateLoggers();
        for (String name : loggers) {
            Configurator.setLevel(name, level);
        }
    }

    /** Records everything the loggers of these classes log at {@code level} or above. */
    public static CapturedLog of(Level level, Class<?>... classes) {
        return new CapturedLog(level, java.util.Arrays.stream(classes).map(Class::getName).toList());
    }

    @Override
    public void append(LogEvent event) {
        if (loggers.contains(event.getLoggerName())) {
            events.add(event.toImmutable());
        }
    }

    /** The events recorded so far, oldest first. */
    public List<LogEvent> events() {
        return List.copyOf(events);
    }

    /** The events at this level so far. */
    public List<LogEvent> at(Level level) {
        return events.stream().filter(e -> e.getLevel().equals(level)).toList();
    }

    /** Waits until an event matches (deadline {@code timeout}), and returns it; throws if none came. */
    public LogEvent await(Predicate<LogEvent> matches, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (LogEvent event : events) {
                if (matches.test(event)) {
                    return event;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no such log line within " + timeout.toMillis() + " ms; got: "
                        + events.stream().map(e -> e.getLevel() + " " + e.getMessage().getFormattedMessage()).toList());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(getName());
        for (int i = 0; i < loggers.size(); i++) {
            Configurator.setLevel(loggers.get(i), previous.get(i));
        }
        context.updateLoggers();
        stop();
    }
}

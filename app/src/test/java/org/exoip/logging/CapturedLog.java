package org.exoip.logging;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Records what the loggers of some classes log while open, for tests that check a log line, its
 * level or the absence of a stack trace. Thread-safe; close it to detach and restore the levels.
 *
 * <p>It listens on the logger each class really logs with (its static {@code LOG}), in that
 * logger's own context: a test that ran earlier in the same JVM may have stopped the context the
 * class's logger was made in ({@code Logging.shutdown()}), and log4j2 then hands out a new one to
 * everyone else. A stopped context is started again for the capture.
 */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final List<Logger> loggers = new ArrayList<>();
    private final List<LoggerConfig> added = new ArrayList<>();

    private CapturedLog(Level level, Class<?>... classes) {
        super("captured-log-" + System.identityHashCode(new Object()), null, null, true, Property.EMPTY_ARRAY);
        start();
        for (Class<?> type : classes) {
            Logger logger = loggerOf(type);
            LoggerContext context = logger.getContext();
            if (context.isStopped()) {
                context.start();
            }
            Configuration config = context.getConfiguration();
            LoggerConfig own = new LoggerConfig(logger.getName(), level, true);
            own.addAppender(this, Level.ALL, null);
            config.addLogger(logger.getName(), own);
            added.add(own);
            loggers.add(logger);
            context.updateLoggers();
        }
    }

    /** Records everything the loggers of these classes log at {@code level} or above. */
    public static CapturedLog of(Level level, Class<?>... classes) {
        return new CapturedLog(level, classes);
    }

    private static Logger loggerOf(Class<?> type) {
        try {
            Field field = type.getDeclaredField("LOG");
            if (Modifier.isStatic(field.getModifiers())) {
                field.setAccessible(true);
                return (Logger) field.get(null);
            }
        } catch (NoSuchFieldException | IllegalAccessException e) {
            // no static LOG: the class's logger by name
        }
        return (Logger) LogManager.getLogger(type);
    }

    @Override
    public void append(LogEvent event) {
        events.add(event.toImmutable());
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
        for (int i = 0; i < loggers.size(); i++) {
            LoggerContext context = loggers.get(i).getContext();
            context.getConfiguration().removeLogger(added.get(i).getName());
            context.updateLoggers();
        }
        stop();
    }
}

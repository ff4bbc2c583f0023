package org.exoip.logging;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * The log4j2 configuration of the exoip process, built in code: one appender on the root logger at
 * the chosen level, Netty's own loggers held at WARN. Built and handed to log4j2 by
 * {@link Logging} under its lock; log4j2 then owns it.
 */
final class ProcessConfiguration extends AbstractConfiguration {

    ProcessConfiguration(LoggerContext context, Level level) {
        super(context, ConfigurationSource.NULL_SOURCE);
        setName("exoip");
        // The program stops logging itself, last (Logging.shutdown()), so a JVM hook must not do it first.
        isShutdownHookEnabled = false;
        getRootLogger().setLevel(level);
        // Netty's debug lines (allocator and native library details) are not about exoip, even with -v.
        addLogger("io.netty", new LoggerConfig("io.netty", Level.WARN, true));
    }

    /** Sends every enabled event to {@code appender}. */
    void writeTo(Appender appender) {
        addAppender(appender);
        getRootLogger().addAppender(appender, null, null);
    }

    @Override
    protected void doConfigure() {
        // Everything is set up by the constructor and writeTo(); there is no configuration file to read.
    }
}

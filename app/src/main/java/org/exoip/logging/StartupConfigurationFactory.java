package org.exoip.logging;

import java.net.URI;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationFactory;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * log4j2's configuration from the first log call until {@link Logging#configure} replaces it (and
 * in tests that never call it): warnings and errors on standard error, Netty at WARN, no JVM
 * shutdown hook (the program stops logging itself, last, so that the lines written while it lets
 * go of the Elastic IP on SIGTERM are not lost). Built in code rather than read from a
 * {@code log4j2.xml}, so that the process loads no XML parser (some 320 classes) just to start
 * logging. Named in {@code log4j2.component.properties}, which log4j2 reads first.
 */
public final class StartupConfigurationFactory extends ConfigurationFactory {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%X{node}%notEmpty{ %X{eip}}] %c{1}: %m%n";

    @Override
    protected String[] getSupportedTypes() {
        return new String[] {"*"};
    }

    @Override
    public Configuration getConfiguration(LoggerContext context, ConfigurationSource source) {
        return startup(context);
    }

    @Override
    public Configuration getConfiguration(LoggerContext context, String name, URI configLocation) {
        return startup(context);
    }

    static Configuration startup(LoggerContext context) {
        ProcessConfiguration config = new ProcessConfiguration(context, Level.WARN);
        PatternLayout layout = PatternLayout.newBuilder().withConfiguration(config).withPattern(PATTERN).build();
        config.writeTo(new PrintStreamAppender("stderr", layout, System.err));
        return config;
    }
}

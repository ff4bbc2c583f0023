package org.exoip.logging;

import java.io.PrintStream;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.AbstractStringLayout;

/**
 * Writes each event as one line to a {@link PrintStream} (standard output or error), flushed at
 * once. A {@code PrintStream} never throws and writes one {@code print} atomically, so concurrent
 * callers neither fail nor interleave within a line. Never closes the stream.
 */
final class PrintStreamAppender extends AbstractAppender {

    private final AbstractStringLayout layout;
    private final PrintStream stream;

    PrintStreamAppender(String name, AbstractStringLayout layout, PrintStream stream) {
        super(name, null, layout, true, Property.EMPTY_ARRAY);
        this.layout = layout;
        this.stream = stream;
    }

    @Override
    public void append(LogEvent event) {
        stream.print(layout.toSerializable(event));
        stream.flush();
    }
}

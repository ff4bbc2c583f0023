package org.exoip.logging;

import java.nio.charset.StandardCharsets;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.AbstractStringLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * One JSON object a line ({@code --log-format json}), made by log4j2's {@link JsonTemplateLayout}
 * from {@link #TEMPLATE}, with the same guarantees as the text lines: the process's node on lines
 * of threads that set none, and registered {@link Secrets} masked. Stateless after construction.
 */
final class JsonLineLayout extends AbstractStringLayout {

    /**
     * The event template. Every thread-context entry but {@code node} is flattened into the top
     * level: these are the structured fields of state changes and API calls.
     */
    static final String TEMPLATE = """
            {
              "time": {"$resolver": "timestamp", "pattern": {"format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "timeZone": "UTC"}},
              "level": {"$resolver": "level", "field": "name"},
              "node": {"$resolver": "mdc", "key": "node"},
              "logger": {"$resolver": "logger", "field": "name"},
              "thread": {"$resolver": "thread", "field": "name"},
              "message": {"$resolver": "message", "stringified": true},
              "fields": {"$resolver": "mdc", "pattern": "^(?!node$).+", "flatten": true, "stringified": true},
              "error": {"$resolver": "exception", "field": "message"},
              "error_class": {"$resolver": "exception", "field": "className"}%s
            }
            """;

    /** Added to {@link #TEMPLATE} at DEBUG ({@code -v}). */
    static final String STACK_TRACE = ",\n  \"stack_trace\": {\"$resolver\": \"exception\", \"field\": \"stackTrace\", "
            + "\"stackTrace\": {\"stringified\": true}}";

    private final JsonTemplateLayout json;
    private final String defaultNode;

    /** @param stackTraces whether an exception's stack trace is written (DEBUG), besides its class and message */
    JsonLineLayout(Configuration config, String defaultNode, boolean stackTraces) {
        super(StandardCharsets.UTF_8);
        this.json = JsonTemplateLayout.newBuilder()
                .setConfiguration(config)
                .setCharset(StandardCharsets.UTF_8)
                .setEventTemplate(TEMPLATE.formatted(stackTraces ? STACK_TRACE : ""))
                // Off, it would drop the error fields too: the template decides whether a trace is written.
                .setStackTraceEnabled(true)
                .setLocationInfoEnabled(false)
                .setEventDelimiter(System.lineSeparator())
                .build();
        this.defaultNode = defaultNode;
    }

    @Override
    public String toSerializable(LogEvent event) {
        return Secrets.maskRegistered(json.toSerializable(LineLayout.withNode(event, defaultNode)));
    }

}

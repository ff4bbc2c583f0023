package org.exoip.logging;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.impl.ContextDataFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.AbstractStringLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.util.ReadOnlyStringMap;
import org.apache.logging.log4j.util.StringMap;

/**
 * One JSON object a line ({@code --log-format json}), made by log4j2's {@link JsonTemplateLayout}
 * from {@link #TEMPLATE}, with the same guarantees as the text lines: the process's node on lines
 * of threads that set none, and registered {@link Secrets} masked. Stateless after construction.
 */
final class JsonLineLayout extends AbstractStringLayout {

    /**
     * The event template. Every thread-context entry but {@code node} is flattened into the top
     * level: these are the structured fields of state changes and API calls, a number written as a
     * JSON number ({@link #typed}).
     */
    static final String TEMPLATE = """
            {
              "time": {"$resolver": "timestamp", "pattern": {"format": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "timeZone": "UTC"}},
              "level": {"$resolver": "level", "field": "name"},
              "node": {"$resolver": "mdc", "key": "node"},
              "logger": {"$resolver": "logger", "field": "name"},
              "thread": {"$resolver": "thread", "field": "name"},
              "message": {"$resolver": "message", "stringified": true},
              "fields": {"$resolver": "mdc", "pattern": "^(?!node$).+", "flatten": true},
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
        return Secrets.maskRegistered(json.toSerializable(typed(LineLayout.withNode(event, defaultNode))));
    }

    /** A whole or decimal number as Java and JSON both write it: no sign but '-', no leading zero, no exponent. */
    private static final Pattern NUMBER = Pattern.compile("-?(0|[1-9]\\d{0,17})(\\.\\d{1,17})?");

    /**
     * The event with each field whose text is a number ({@code duration_ms=114}) carried as that
     * number, so that JSON has {@code "duration_ms":114}: thread-context values are all strings.
     */
    static LogEvent typed(LogEvent event) {
        ReadOnlyStringMap fields = event.getContextData();
        boolean[] any = {false};
        fields.forEach((key, value) -> any[0] |= isNumber(key, value));
        if (!any[0]) {
            return event;
        }
        StringMap data = ContextDataFactory.createContextData(fields.size());
        fields.forEach((key, value) -> {
            if (isNumber(key, value)) {
                String text = (String) value;
                data.putValue(key, text.indexOf('.') < 0 ? (Object) Long.valueOf(text) : new BigDecimal(text));
            } else {
                data.putValue(key, value);
            }
        });
        return new Log4jLogEvent.Builder(event).setContextData(data).build();
    }

    private static boolean isNumber(String key, Object value) {
        return !Logging.NODE_KEY.equals(key) && value instanceof String text && NUMBER.matcher(text).matches();
    }

}

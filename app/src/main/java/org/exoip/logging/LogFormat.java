package org.exoip.logging;

/** How each log line is written on standard output or error: the choice behind {@code --log-format}. */
public enum LogFormat {
    /** A line of text: time, level, node, logger, message (the default). */
    TEXT,
    /**
     * One JSON object a line, through log4j2's JSON template layout: {@code time}, {@code level},
     * {@code node}, {@code logger}, {@code thread}, {@code message}, and the structured fields of
     * state changes and API calls ({@code event}, {@code from}, {@code to}, {@code operation},
     * {@code outcome}, {@code duration_ms}, …) at the top level.
     */
    JSON
}

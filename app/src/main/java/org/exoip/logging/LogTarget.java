package org.exoip.logging;

/** Where the process writes its log lines: the choice behind the {@code -O} flag. */
public enum LogTarget {
    /** One line per event on standard output ({@code -O}). */
    STDOUT,
    /** RFC 3164 datagrams to the local syslog socket, facility daemon (the default, as in the original). */
    SYSLOG,
    /** One line per event on standard error; also what {@link #SYSLOG} falls back to when syslog is unavailable. */
    STDERR
}

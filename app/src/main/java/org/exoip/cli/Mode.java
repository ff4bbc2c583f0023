package org.exoip.cli;

/** What one run of exoip does: the original's {@code -A}, {@code -D} and {@code -W}. */
public enum Mode {
    /** {@code -A}: attach the Elastic IP to this instance, then exit. */
    ATTACH,
    /** {@code -D}: detach it from this instance, then exit. */
    DETACH,
    /** {@code -W}: the watchdog. */
    WATCH
}

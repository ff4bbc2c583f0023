package org.exoip.cli;

import java.util.Objects;

/** A secret value whose {@code toString} never shows it, so it cannot slip into a log line. */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself; call only where it is used, never to print. */
    public String reveal() {
        return value;
    }

    /** The same secret (to tell whether a re-read file changed it). */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that && value.equals(that.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return "***";
    }
}

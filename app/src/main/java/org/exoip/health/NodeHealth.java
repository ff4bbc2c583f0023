package org.exoip.health;

import java.util.function.Consumer;

/**
 * What the watchdog engine sees of the health checks and the track file: a verdict now, and a
 * listener told when it changes. {@link #NONE} when nothing is configured.
 */
public interface NodeHealth {

    /** The verdict now; any thread, never blocks. */
    HealthVerdict current();

    /**
     * Tells {@code listener} of every later change of verdict. It is called on a check's or the track
     * file's thread, one change at a time, and must not block (the engine hands it to its event loop).
     */
    void onChange(Consumer<HealthVerdict> listener);

    /** The lines {@code info} adds, one per check and track file, each ending with a newline; any thread. */
    String report();

    /** Nothing configured: always {@link HealthVerdict#NONE}. */
    NodeHealth NONE = new NodeHealth() {
        @Override
        public HealthVerdict current() {
            return HealthVerdict.NONE;
        }

        @Override
        public void onChange(Consumer<HealthVerdict> listener) {
        }

        @Override
        public String report() {
            return "";
        }
    };
}

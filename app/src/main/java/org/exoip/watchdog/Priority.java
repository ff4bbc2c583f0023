package org.exoip.watchdog;

/** Priority bounds: a lower value ranks higher. */
public final class Priority {

    /** The best priority value. */
    public static final int BEST = 0;
    /** The worst priority value, also what a stopping node advertises to hand over. */
    public static final int WORST = 255;

    private Priority() {
    }

    /** {@code priority + delta}, kept within 0..255. */
    public static int adjust(int priority, int delta) {
        return Math.max(BEST, Math.min(WORST, priority + delta));
    }
}

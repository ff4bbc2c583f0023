package org.exoip.health;

/**
 * The rise/fall hysteresis of one check, free of time and threads: a passing check fails after
 * {@code fall} failures in a row, a failing one passes after {@code rise} successes in a row. Only
 * the crossing changes the state, so one bad run in a good series changes nothing.
 *
 * <p>Not thread-safe: one check's runs are recorded one at a time, by its own thread.
 */
public final class CheckState {

    private final int rise;
    private final int fall;
    private boolean passing;
    /** Results in a row that disagree with the state (successes while failing, failures while passing). */
    private int streak;

    /**
     * @param initFail whether the check starts failing (it must then pass {@code rise} times before it counts)
     */
    public CheckState(int rise, int fall, boolean initFail) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        this.rise = rise;
        this.fall = fall;
        this.passing = !initFail;
    }

    /** Records one run's result; returns whether the state changed with it. */
    public boolean record(boolean success) {
        if (success == passing) {
            streak = 0;
            return false;
        }
        streak++;
        if (streak < (passing ? fall : rise)) {
            return false;
        }
        passing = success;
        streak = 0;
        return true;
    }

    public boolean passing() {
        return passing;
    }
}

package org.exoip.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CheckStateTest {

    @Test
    void initFailNeedsRiseSuccessesInARow() {
        CheckState state = new CheckState(2, 3, true);
        assertFalse(state.passing());
        assertFalse(state.record(true));
        assertFalse(state.record(false)); // the streak starts again
        assertFalse(state.record(true));
        assertTrue(state.record(true));
        assertTrue(state.passing());
    }

    @Test
    void initOkPassesFromTheStartAndFailsAfterFallFailuresInARow() {
        CheckState state = new CheckState(2, 3, false);
        assertTrue(state.passing());
        assertFalse(state.record(false));
        assertFalse(state.record(false));
        assertFalse(state.record(true)); // one success in between: counting starts over
        assertFalse(state.record(false));
        assertFalse(state.record(false));
        assertTrue(state.record(false));
        assertFalse(state.passing());
        assertFalse(state.record(false)); // no change while it stays failing
    }

    @Test
    void riseAndFallOfOneFollowEveryResult() {
        CheckState state = new CheckState(1, 1, false);
        assertTrue(state.record(false));
        assertTrue(state.record(true));
        assertFalse(state.record(true));
    }
}

package org.exoip.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthVerdictTest {

    @Test
    void weightsAndTrackFileMoveThePriorityWithin0To254() {
        HealthVerdict v = new HealthVerdict(true, List.of(), 20, 5);
        assertEquals(35, v.priority(10));
        assertEquals(254, v.priority(240));
        assertFalse(v.fault(240)); // weights clamp, they never fault
        assertEquals(0, new HealthVerdict(true, List.of(), 0, -30).priority(10));
    }

    @Test
    void aTrackFileValuePastTheUsableRangeFaults() {
        HealthVerdict v = new HealthVerdict(true, List.of(), 0, 255);
        assertTrue(v.fault(0));
        assertTrue(v.faultReasons(10).get(0).contains("track file value 255"), v.faultReasons(10).toString());
        assertFalse(new HealthVerdict(true, List.of(), 0, 244).fault(10));
        assertTrue(new HealthVerdict(true, List.of(), 0, 245).fault(10));
    }

    @Test
    void aFailingFaultCheckFaults() {
        HealthVerdict v = new HealthVerdict(true, List.of("check tcp 127.0.0.1:1 failing"), 0, 0);
        assertTrue(v.fault(10));
        assertEquals(List.of("check tcp 127.0.0.1:1 failing"), v.faultReasons(10));
        assertFalse(HealthVerdict.NONE.fault(10));
    }
}

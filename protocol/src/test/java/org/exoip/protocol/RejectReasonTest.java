package org.exoip.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RejectReasonTest {

    @Test
    void labelsAreTheMetricNames() {
        assertEquals("length", RejectReason.LENGTH.label());
        assertEquals("version", RejectReason.VERSION.label());
        assertEquals("priority-mismatch", RejectReason.PRIORITY_MISMATCH.label());
        assertEquals("other-elastic-ip", RejectReason.OTHER_ELASTIC_IP.label());
        assertEquals("unknown-sender", RejectReason.UNKNOWN_SENDER.label());
        assertEquals("unauthenticated", RejectReason.UNAUTHENTICATED.label());
        assertEquals("bad-tag", RejectReason.BAD_TAG.label());
        assertEquals("replay", RejectReason.REPLAY.label());
    }

    @Test
    void everyLabelIsShortLowercaseAndUnique() {
        for (RejectReason reason : RejectReason.values()) {
            assertTrue(reason.label().matches("[a-z]+(-[a-z]+)*"), reason.label());
        }
        assertEquals(RejectReason.values().length,
                Arrays.stream(RejectReason.values()).map(RejectReason::label).distinct().count());
    }
}

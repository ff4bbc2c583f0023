package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ClaimTest {

    private static final UUID OWNER = UUID.fromString("00000000-0000-4000-8000-000000000001");

    @Test
    void aClaimRoundTripsThroughItsLabelValue() {
        Claim claim = new Claim(12, OWNER, 1_765_150_000_123L);
        assertEquals("12.00000000-0000-4000-8000-000000000001.1765150000123.0", claim.encode());
        assertEquals(Optional.of(claim), Claim.parse(claim.encode()));
        Claim renewed = claim.renewed(1_765_150_005_000L);
        assertEquals(1, renewed.renewals());
        assertEquals(12, renewed.term());
        assertEquals(Optional.of(renewed), Claim.parse(renewed.encode()));
    }

    @Test
    void aValueWithoutRenewalsIsATakeover() {
        assertEquals(Optional.of(new Claim(3, OWNER, 7)), Claim.parse("3." + OWNER + ".7"));
    }

    @Test
    void whatIsNoClaimIsIgnored() {
        for (String value : new String[] {null, "", "yes", "0." + OWNER + ".1", "1.not-a-uuid-at-all-not-a-uuid-at-all.1",
                "1." + OWNER, "1." + OWNER + ".x", "99999999999999999999." + OWNER + ".1"}) {
            assertTrue(Claim.parse(value).isEmpty(), value);
        }
    }

    @Test
    void aClaimIsCheckedOnce() {
        assertThrows(IllegalArgumentException.class, () -> new Claim(0, OWNER, 1));
        assertThrows(NullPointerException.class, () -> new Claim(1, null, 1));
    }
}

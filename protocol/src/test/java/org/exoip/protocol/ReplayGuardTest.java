package org.exoip.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {

    private static final UUID A = new UUID(0, 0xa);
    private static final UUID B = new UUID(0, 0xb);

    private final ReplayGuard guard = new ReplayGuard();

    @Test
    void acceptsOnlyGrowingCountersPerSender() {
        assertTrue(guard.accept(A, 100), "first advert from a sender");
        assertFalse(guard.accept(A, 100), "the same advert again");
        assertFalse(guard.accept(A, 99), "an older one");
        assertTrue(guard.accept(A, 101));
        assertTrue(guard.accept(A, 500), "gaps are fine: lost datagrams, several peers");
        assertFalse(guard.accept(A, 101));
        assertEquals(OptionalLong.of(500), guard.last(A));
    }

    @Test
    void sendersAreIndependent() {
        assertTrue(guard.accept(A, 1_000));
        assertTrue(guard.accept(B, 5), "B's counter is B's own");
        assertFalse(guard.accept(B, 5));
        assertTrue(guard.accept(A, 1_001));
    }

    @Test
    void theAdvertsOfOneBurstAboutSeveralAddressesMayArriveSwappedButNoneTwice() throws Exception {
        java.net.Inet4Address first = (java.net.Inet4Address) java.net.InetAddress.getByName("198.51.100.50");
        java.net.Inet4Address second = (java.net.Inet4Address) java.net.InetAddress.getByName("198.51.100.51");
        // A's burst: counter 10 about the first address, 11 about the second; the network swaps them.
        assertTrue(guard.accept(A, second, 11));
        assertTrue(guard.accept(A, first, 10), "swapped within a burst, not a replay");
        assertFalse(guard.accept(A, first, 10), "the same advert again");
        assertFalse(guard.accept(A, second, 11), "the same advert again");
        assertFalse(guard.accept(A, first, 9), "an older one");
        assertEquals(OptionalLong.of(11), guard.last(A, second));
        assertEquals(OptionalLong.of(10), guard.last(A, first));
    }

    @Test
    void aRestartedSenderStartsHigherAndIsAcceptedAgain() {
        long firstRun = 1_735_787_045_000_000L;
        for (int i = 0; i < 1000; i++) {
            assertTrue(guard.accept(A, firstRun + i));
        }
        long secondRun = firstRun + 5_000_000L; // restarted 5 s later
        assertTrue(guard.accept(A, secondRun));
        assertFalse(guard.accept(A, firstRun + 1000), "the first run's next advert, replayed");
    }

    @Test
    void countersAreUnsigned() {
        assertTrue(guard.accept(A, Long.MAX_VALUE));
        assertTrue(guard.accept(A, Long.MIN_VALUE), "2^63 is above 2^63 - 1");
        assertTrue(guard.accept(A, -1));
        assertFalse(guard.accept(A, 0));
    }

    @Test
    void memoryIsBoundedLeastRecentlyHeardFirst() {
        ReplayGuard small = new ReplayGuard(2);
        small.accept(A, 10);
        small.accept(B, 10);
        small.accept(A, 11);
        small.accept(new UUID(0, 0xc), 10);
        assertEquals(2, small.size());
        assertEquals(OptionalLong.of(11), small.last(A));
        assertEquals(OptionalLong.empty(), small.last(B), "B was heard from least recently");
        assertThrows(IllegalArgumentException.class, () -> new ReplayGuard(0));
    }
}

package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ElectionTest {

    private static final UUID LOW = UUID.fromString("10000000-0000-4000-8000-000000000000");
    private static final UUID HIGH = UUID.fromString("f0000000-0000-4000-8000-000000000000");

    @Test
    void lowestPriorityValueWins() {
        Candidate self = new Candidate(LOW, 20);
        Candidate peer = new Candidate(HIGH, 10);
        assertEquals(peer, Election.winner(self, List.of(peer)));
    }

    @Test
    void aloneWins() {
        Candidate self = new Candidate(HIGH, 255);
        assertEquals(self, Election.winner(self, List.of()));
    }

    @Test
    void equalPrioritiesAreBrokenByIdBytesUnsigned() {
        // UUID.compareTo is signed and would rank f0... before 10...; the wire bytes compare unsigned.
        assertTrue(UUID.fromString(HIGH.toString()).compareTo(LOW) < 0, "precondition: signed order differs");
        Candidate low = new Candidate(LOW, 10);
        Candidate high = new Candidate(HIGH, 10);
        assertEquals(low, Election.winner(high, List.of(low)));
        assertEquals(low, Election.winner(low, List.of(high)));
        assertTrue(low.beats(high));
        assertFalse(high.beats(low));
    }

    @Test
    void leastSignificantHalfBreaksTiesToo() {
        Candidate a = new Candidate(UUID.fromString("10000000-0000-4000-8000-000000000001"), 7);
        Candidate b = new Candidate(UUID.fromString("10000000-0000-4000-f000-000000000000"), 7);
        assertEquals(a, Election.winner(b, List.of(a)));
    }

    @Test
    void everyNodeReachesTheSameVerdictWhateverTheOrder() {
        Random random = new Random(42);
        List<Candidate> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(new Candidate(new UUID(random.nextLong(), random.nextLong()), 5 + random.nextInt(3)));
        }
        Candidate expected = Collections.min(all, Candidate.RANK);
        for (Candidate self : all) {
            List<Candidate> others = new ArrayList<>(all);
            others.remove(self);
            Collections.shuffle(others, random);
            assertEquals(expected, Election.winner(self, others), "verdict seen from " + self);
        }
    }
}

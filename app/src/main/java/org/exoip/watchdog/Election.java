package org.exoip.watchdog;

import java.util.Collection;
import java.util.Comparator;

/** Picks the master: the best-ranked node among the node itself and its alive peers. */
public final class Election {

    private Election() {
    }

    /** The winner among {@code self} and {@code alivePeers}, by {@link Candidate#RANK}. */
    public static Candidate winner(Candidate self, Collection<Candidate> alivePeers) {
        return winner(self, alivePeers, Candidate.RANK);
    }

    /** The winner among {@code self} and {@code alivePeers}, first in {@code ranking} ({@link Placement}). */
    public static Candidate winner(Candidate self, Collection<Candidate> alivePeers, Comparator<Candidate> ranking) {
        Candidate best = self;
        for (Candidate peer : alivePeers) {
            if (ranking.compare(peer, best) < 0) {
                best = peer;
            }
        }
        return best;
    }
}

package org.exoip.watchdog;

import java.util.Collection;

/** Picks the master: the best-ranked node among the node itself and its alive peers. */
public final class Election {

    private Election() {
    }

    /** The winner among {@code self} and {@code alivePeers}, by {@link Candidate#RANK}. */
    public static Candidate winner(Candidate self, Collection<Candidate> alivePeers) {
        Candidate best = self;
        for (Candidate peer : alivePeers) {
            if (peer.beats(best)) {
                best = peer;
            }
        }
        return best;
    }
}

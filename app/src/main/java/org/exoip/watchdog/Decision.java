package org.exoip.watchdog;

import java.util.Objects;
import java.util.UUID;

/**
 * What the node has decided: its role and, once past start-up, which node is master. The cloud
 * reconciler works from this value alone.
 *
 * @param role   this node's role
 * @param self   this node's instance id
 * @param master the elected master's instance id ({@code self} when MASTER); null while
 *               STARTING or STOPPING, and in FAULT when no healthy peer is alive
 */
public record Decision(Role role, UUID self, UUID master) {

    public Decision {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(self, "self");
        if (role != Role.FAULT && (role == Role.BACKUP || role == Role.MASTER) != (master != null)) {
            throw new IllegalArgumentException(role + " decision with master " + master);
        }
        if (role == Role.MASTER && !self.equals(master)) {
            throw new IllegalArgumentException("MASTER decision naming another master " + master);
        }
        if (role == Role.FAULT && self.equals(master)) {
            throw new IllegalArgumentException("FAULT decision naming this node master");
        }
    }

    public static Decision starting(UUID self) {
        return new Decision(Role.STARTING, self, null);
    }
}

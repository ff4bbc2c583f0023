package org.exoip.watchdog;

/** The lifecycle of a watchdog node; changed only by {@link Watchdog}. */
public enum Role {
    /** Start-up hold-off: listening and advertising, deciding nothing yet. */
    STARTING,
    /** Another alive node is better; this node lets go of the Elastic IP once that node holds it. */
    BACKUP,
    /** The best alive node; it makes sure it alone holds the Elastic IP. */
    MASTER,
    /**
     * A health check (or the track file) says this node cannot serve: it advertises priority 255,
     * as a stopping node does, so that the best healthy peer takes over at once; it keeps
     * advertising and listening, and lets go of the Elastic IP (see {@link CloudReconciler}).
     */
    FAULT,
    /** Shutting down: advertising the worst priority so that a backup takes over, then letting go. */
    STOPPING
}

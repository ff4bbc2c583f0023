package org.exoip.watchdog;

/** The lifecycle of a watchdog node; changed only by {@link Watchdog}. */
public enum Role {
    /** Start-up hold-off: listening and advertising, deciding nothing yet. */
    STARTING,
    /** Another alive node is better; this node lets go of the Elastic IP once that node holds it. */
    BACKUP,
    /** The best alive node; it makes sure it alone holds the Elastic IP. */
    MASTER,
    /** Shutting down: advertising the worst priority so that a backup takes over, then letting go. */
    STOPPING
}

package org.exoip.exoscale.standin;

/** A stand-in configuration that cannot be used; the message names the file, the entry and the fault. */
public final class StandinConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    public StandinConfigException(String message) {
        super(message);
    }
}

package org.exoip.logging;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Keeps secrets out of text that people read: masks a given secret in a string, and masks every
 * {@linkplain #register registered} secret in every line that {@link Logging} writes.
 *
 * <p>Thread-safe: all methods may be called from any thread.
 */
public final class Secrets {

    /** What a secret is replaced with. */
    public static final String MASK = "********";

    /**
     * Registered secrets shorter than this are not masked in log lines: masking a two-letter
     * string everywhere would garble the logs and hide nothing worth hiding.
     */
    static final int MIN_REGISTERED_LENGTH = 8;

    private static final Set<String> REGISTERED = new CopyOnWriteArraySet<>();

    private Secrets() {
    }

    /**
     * Returns {@code text} with every occurrence of {@code secret} replaced by {@link #MASK}.
     * A null or empty secret leaves the text as it is; a null text stays null.
     */
    public static String mask(String text, String secret) {
        if (text == null || secret == null || secret.isEmpty()) {
            return text;
        }
        return text.replace(secret, MASK);
    }

    /**
     * A form of an identifier that is safe to print: at most its first 3 characters (the {@code EXO}
     * of an Exoscale API key), then {@link #MASK}. Values shorter than 16 characters show nothing.
     * Meant for the API key under {@code -v}; never print the API secret in any form.
     */
    public static String redact(String value) {
        if (value == null) {
            return "(none)";
        }
        return value.length() < 16 ? MASK : value.substring(0, 3) + MASK;
    }

    /**
     * Masks {@code secret} in every line that {@link Logging} writes from now on, whatever the
     * logger, message or exception it comes from: a last guard should a secret ever reach a log
     * call. Secrets shorter than 8 characters are ignored (see {@link #MIN_REGISTERED_LENGTH}).
     */
    public static void register(String secret) {
        if (secret != null && secret.length() >= MIN_REGISTERED_LENGTH) {
            REGISTERED.add(secret);
        }
    }

    /**
     * Masks every registered secret in {@code line}: for text printed outside the log, such as the
     * one-line error a failed run prints. A null line stays null.
     */
    public static String maskRegistered(String line) {
        if (line == null) {
            return null;
        }
        String masked = line;
        for (String secret : REGISTERED) {
            masked = mask(masked, secret);
        }
        return masked;
    }

    /** Forgets every registered secret (tests). */
    static void clearRegistered() {
        REGISTERED.clear();
    }
}

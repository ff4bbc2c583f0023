package org.exoip.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The HMAC-SHA256 keys of authenticated adverts: one that signs (and verifies), and any number
 * that are only accepted, so that a group can change keys one node at a time.
 *
 * <p>Immutable; the arrays are copied in and out. {@link #toString} shows sizes only, never a key.
 */
public final class AdvertKeys {

    /** The shortest key accepted, in bytes: the output size of SHA-256, as RFC 2104 advises. */
    public static final int MIN_LENGTH = 32;

    private final byte[] signing;
    private final List<byte[]> alsoAccepted;

    /**
     * @param signing      signs this node's adverts and verifies the peers'
     * @param alsoAccepted verify peers' adverts too (the next key during a rotation, or the previous one)
     * @throws IllegalArgumentException when a key is shorter than {@link #MIN_LENGTH} bytes
     */
    public AdvertKeys(byte[] signing, List<byte[]> alsoAccepted) {
        this.signing = checked(signing, "signing key");
        List<byte[]> copies = new ArrayList<>(alsoAccepted.size());
        for (byte[] key : alsoAccepted) {
            copies.add(checked(key, "accepted key"));
        }
        this.alsoAccepted = List.copyOf(copies);
    }

    /** Only a signing key. */
    public AdvertKeys(byte[] signing) {
        this(signing, List.of());
    }

    private static byte[] checked(byte[] key, String what) {
        Objects.requireNonNull(key, what);
        if (key.length < MIN_LENGTH) {
            // The length only: the message may be printed, the key never.
            throw new IllegalArgumentException(what + " of " + key.length + " bytes (expected: at least "
                    + MIN_LENGTH + ")");
        }
        return key.clone();
    }

    /** The signing key first, then the ones only accepted: the order in which tags are checked. */
    List<byte[]> verifying() {
        List<byte[]> all = new ArrayList<>(1 + alsoAccepted.size());
        all.add(signing.clone());
        for (byte[] key : alsoAccepted) {
            all.add(key.clone());
        }
        return all;
    }

    byte[] signing() {
        return signing.clone();
    }

    /** How many keys verify, the signing key included. */
    public int verifyingCount() {
        return 1 + alsoAccepted.size();
    }

    /** The same keys in the same roles (to tell whether a re-read key file changed anything). */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof AdvertKeys that) || !Arrays.equals(signing, that.signing)
                || alsoAccepted.size() != that.alsoAccepted.size()) {
            return false;
        }
        for (int i = 0; i < alsoAccepted.size(); i++) {
            if (!Arrays.equals(alsoAccepted.get(i), that.alsoAccepted.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signing) * 31 + alsoAccepted.size();
    }

    @Override
    public String toString() {
        return "AdvertKeys[signing key of " + signing.length + " bytes, " + alsoAccepted.size() + " more accepted]";
    }
}

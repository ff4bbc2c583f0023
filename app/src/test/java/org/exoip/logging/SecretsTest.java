package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @AfterEach
    void forget() {
        Secrets.clearRegistered();
    }

    @Test
    void maskReplacesEveryOccurrence() {
        assertEquals("-xk EXO123 -xs ******** and again ********",
                Secrets.mask("-xk EXO123 -xs abcdefgh and again abcdefgh", "abcdefgh"));
    }

    @Test
    void maskLeavesTextAloneWithoutASecret() {
        assertEquals("text", Secrets.mask("text", null));
        assertEquals("text", Secrets.mask("text", ""));
        assertNull(Secrets.mask(null, "secret"));
    }

    @Test
    void redactShowsAtMostTheKeyPrefix() {
        assertEquals("EXO********", Secrets.redact("EXO1a2b3c4d5e6f7a8b9c0d1e2f"));
        assertEquals("********", Secrets.redact("short-value"));
        assertEquals("(none)", Secrets.redact(null));
    }

    @Test
    void onlyRegisteredSecretsOfEightCharactersOrMoreAreMaskedInLines() {
        Secrets.register("abc");
        Secrets.register("longer-secret");
        Secrets.register(null);

        assertEquals("abc ********", Secrets.maskRegistered("abc longer-secret"));
    }
}

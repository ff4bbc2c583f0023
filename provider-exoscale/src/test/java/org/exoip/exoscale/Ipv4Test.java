package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4Test {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "198.51.100.50", "255.255.255.255", " 10.0.0.1\n"})
    void dottedQuadsParse(String text) {
        assertEquals(text.strip(), Ipv4.parse(text).orElseThrow().getHostAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", "0x1.2.3.4", "1.2.3.4 5",
        "localhost", "example.com", "::1", "1234.1.1.1"})
    void anythingElseIsRefusedWithoutLookingItUp(String text) {
        assertTrue(Ipv4.parse(text).isEmpty(), text);
    }
}

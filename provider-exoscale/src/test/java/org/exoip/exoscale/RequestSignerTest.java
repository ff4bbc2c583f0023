package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every test vector of the reference page (../shared/reference/exoscale-api-v2.md). */
class RequestSignerTest {

    private static final RequestSigner SET_A = new RequestSigner("EXOxxxxxxxxxxxxxxxxxxxxxxxx", "X".repeat(43));
    private static final RequestSigner SET_B = new RequestSigner("test-key", "0123456789abcdef");

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET|/v2/zone||EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=Ntbq/p0HVmA3Zg1HHY+Lq1vjFGi7HeMrrgXDS5jRNlY=",
        "GET|/v2/zone?k1=v1&k2=v2||EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,signed-query-args=k1;k2,expires=3376684800,signature=iqOBz13+44L5j0uJclE8hmUhQQcvtCSoPEOXYK6liqY=",
        "POST|/v2/load-balancer|{\"name\": \"foo\"}|EXO2-HMAC-SHA256 credential=EXOxxxxxxxxxxxxxxxxxxxxxxxx,expires=3376684800,signature=duldkM0+pgWRtUznj0rMrZauzsYOtSVLn1LCGcs7CcE=",
    })
    void setA(String method, String pathAndQuery, String body, String expected) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        assertEquals(expected, SET_A.authorization(method, URI.create(pathAndQuery), bytes, 3376684800L));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET|/instance/0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a||xdOhvE746GnETaaYoflEK4ucguvSsVJW1fnXZAboV54=",
        "GET|/instance?labels=web&manager-type=instance-pool||gVbvdwVNMPtM6KFi0aNOcMfJ6P4kJhgUX/r6KT+mt9k=",
        "GET|/instance?labels=a%20b||c52iAK8YkX82SvWfz2L0NB3ifLH+B4tVwMAhdczd+hA=",
        "POST|/instance|{\"disk-size\":10,\"name\":\"foo\"}|ZqEE7tXE57UIydqAXHsqZgGA/UzTft1t9PFFVKvNGtA=",
        "PUT|/instance/0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a?include-deprecated=true|{\"tags\":[\"a\"]}|X8y11+VpWDTXeX7V88MtwWBn33rCh4d+d6nLtDkzC3g=",
        "DELETE|/vpc/0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a||7ZZ1cRu5alwvGdq5CVMcme5fbWCinBUfxeQmyb3IDoA=",
    })
    void setB(String method, String pathAndQuery, String body, String expectedSignature) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String header = SET_B.authorization(method, URI.create(pathAndQuery), bytes, 1750000000L);
        assertEquals(expectedSignature, header.substring(header.indexOf(",signature=") + ",signature=".length()));
    }

    @Test
    void signedQueryArgsAreSortedNames() {
        String header = SET_B.authorization("GET", URI.create("/instance?manager-type=instance-pool&labels=web"),
                new byte[0], 1750000000L);
        assertEquals("EXO2-HMAC-SHA256 credential=test-key,signed-query-args=labels;manager-type,expires=1750000000,"
                + "signature=gVbvdwVNMPtM6KFi0aNOcMfJ6P4kJhgUX/r6KT+mt9k=", header);
    }

    @Test
    void secretNeverShown() {
        assertFalse(SET_B.toString().contains("0123456789abcdef"));
    }

    @Test
    void emptySecretRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RequestSigner("k", " "));
        assertEquals("API secret is empty", e.getMessage());
    }
}

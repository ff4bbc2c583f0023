package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorBodyTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"message\":\"Invalid request signature\"}|Invalid request signature",
        "{\"message\": \"  spaced\\n out \"}|spaced out",
        "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such instance\"}|Not Found: no such instance",
        "{\"title\":\"Conflict\",\"status\":409}|Conflict",
        "{\"detail\":\"only a detail\"}|only a detail",
        "{\"title\":\"Bad Request\",\"detail\":\"invalid body\",\"errors\":[{\"detail\":\"instance.id: not a UUID\"}]}|Bad Request: invalid body (instance.id: not a UUID)",
        "{\"error\":\"rate limited\"}|rate limited",
        "{\"error\":{\"message\":\"nested\"}}|nested",
        "{\"something\":1}|{\"something\":1}",
        "service unavailable|service unavailable",
        "'   '|''",
        "{not json|{not json",
    })
    void extractsTheServersMessage(String body, String expected) {
        assertEquals(expected, ErrorBody.message(body));
    }

    @Test
    void htmlFromAProxyGivesItsTitleNotAParseError() {
        String page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
                + "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        assertEquals("HTML page: 502 Bad Gateway", ErrorBody.message(page));
        assertEquals("an HTML page without text", ErrorBody.message("<html><head><title> </title></head><body></body></html>"));
    }

    @Test
    void htmlWithoutTitleGivesItsVisibleText() {
        String page = "<html><head><style>p { color: red }</style><script>var x = 1;</script></head>"
                + "<body><h1>Service   Unavailable</h1><p>Try again &amp; later</p></body></html>";
        assertEquals("HTML page: Service Unavailable Try again & later", ErrorBody.message(page));
    }

    @Test
    void longBodiesAreCut() {
        String message = ErrorBody.message("x".repeat(5000));
        assertEquals(ErrorBody.MAX_LENGTH, message.length());
        assertTrue(message.endsWith("…"));
    }

    @Test
    void nullIsEmpty() {
        assertEquals("", ErrorBody.message(null));
    }
}

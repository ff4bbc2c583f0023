package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each fault kind looks to a client as the real thing would, and only for the requests it targets. */
class FaultsTest extends StandinTestBase {

    @Test
    void proxyErrorIsAnHtml502() throws Exception {
        server.faults().add(Fault.proxyError());
        HttpResponse<String> response = get("/elastic-ip");
        assertEquals(502, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(response.body().contains("<h1>502 Bad Gateway</h1>"));
        assertEquals(200, get("/elastic-ip").statusCode(), "once only");
    }

    @Test
    void rateLimitIs429WithRetryAfter() throws Exception {
        server.faults().add(Fault.rateLimited(3));
        server.faults().add(Fault.rateLimited(-1));
        HttpResponse<String> first = get("/elastic-ip");
        assertEquals(429, first.statusCode());
        assertEquals("3", first.headers().firstValue("Retry-After").orElseThrow());
        HttpResponse<String> second = get("/elastic-ip");
        assertEquals(429, second.statusCode());
        assertTrue(second.headers().firstValue("Retry-After").isEmpty());
    }

    @Test
    void unavailableIsAPlainText500() throws Exception {
        server.faults().add(Fault.unavailable().times(2));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = get("/instance/" + node1);
            assertEquals(500, response.statusCode());
            assertEquals("service unavailable", response.body());
            assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/plain"));
        }
        assertEquals(200, get("/instance/" + node1).statusCode());
    }

    @Test
    void statusAnswersThatStatusWithItsMessageForTheMatchingCallOnly() throws Exception {
        server.faults().add(Fault.status(403, "role forbids it").times(2).matching("GET", "^/v2/elastic-ip$"));
        assertEquals(200, get("/instance/" + node1).statusCode(), "another call is not refused");
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> response = get("/elastic-ip");
            assertEquals(403, response.statusCode());
            assertTrue(response.body().contains("\"message\":\"role forbids it\""), response.body());
        }
        assertEquals(200, get("/elastic-ip").statusCode());
        assertThrows(IllegalArgumentException.class, () -> Fault.status(200, "not a refusal"));
    }

    @Test
    void slowAnswerMakesTheClientTimeOut() throws Exception {
        server.faults().add(Fault.slow(Duration.ofSeconds(30)));
        assertThrows(HttpTimeoutException.class,
                () -> send(signed("GET", api("/elastic-ip"), null).timeout(Duration.ofMillis(200))));
    }

    @Test
    void slowAnswerArrivesAfterTheDelay() throws Exception {
        server.faults().add(Fault.slow(Duration.ofMillis(150)));
        long start = System.nanoTime();
        assertEquals(200, get("/elastic-ip").statusCode());
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(150).toNanos());
    }

    @Test
    void droppedConnectionGivesNoResponse() throws Exception {
        server.faults().add(Fault.dropConnection());
        String body = "{\"instance\":{\"id\":\"" + node1 + "\"}}";
        assertThrows(IOException.class, () -> put("/elastic-ip/" + eip + ":attach", body));
        assertTrue(state.holders(eip).isEmpty());
        assertEquals(200, get("/elastic-ip").statusCode(), "once only");
    }

    @Test
    void javaHttpClientRetriesADroppedGetOnce() throws Exception {
        // Worth knowing for client authors: the JDK client resends an idempotent request whose
        // connection closed before any byte of a response, so a GET needs two drops to fail.
        server.faults().add(Fault.dropConnection().times(2));
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThrows(IOException.class, () -> fresh.send(signed("GET", api("/elastic-ip"), null).build(),
                HttpResponse.BodyHandlers.ofString()));
        assertEquals(2L, server.requestCounts().get("GET /v2/elastic-ip"));
    }

    @Test
    void faultsMatchMethodAndPath() throws Exception {
        server.faults().add(Fault.unavailable().matching("PUT", ":attach$"));
        assertEquals(200, get("/elastic-ip/" + eip).statusCode());
        assertEquals(200, put("/elastic-ip/" + eip + ":detach", "{\"instance\":{\"id\":\"" + node1 + "\"}}")
                .statusCode());
        assertEquals(500, put("/elastic-ip/" + eip + ":attach", "{\"instance\":{\"id\":\"" + node1 + "\"}}")
                .statusCode());
        assertTrue(server.faults().pending().isEmpty());
        assertTrue(state.holders(eip).isEmpty(), "a faulted request does nothing");
    }

    @Test
    void httpFaultsComeBeforeTheSignatureCheck() throws Exception {
        server.faults().add(Fault.proxyError());
        HttpResponse<String> unsigned = client.send(HttpRequest.newBuilder(api("/elastic-ip")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(502, unsigned.statusCode(), "the proxy answers before the API sees the request");
    }

    @Test
    void faultsApplyToMetadataToo() throws Exception {
        server.faults().add(Fault.unavailable().matching(null, "^/latest/meta-data/"));
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                URI.create(server.metadataBase() + "/instance-id")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(500, response.statusCode());
    }

    @Test
    void operationFailureEndsTheOperationInFailureAndChangesNothing() throws Exception {
        server.faults().add(Fault.operationFailure("busy", "the zone is busy").matching(null, ":attach$"));
        assertEquals("conflict", operate("detach", node1).get("reason").asText(), "the fault targets attach only");
        assertEquals(1, server.faults().pending().size());
        JsonNode op = operate("attach", node1);
        assertEquals("failure", op.get("state").asText());
        assertEquals("busy", op.get("reason").asText());
        assertEquals("the zone is busy", op.get("message").asText());
        assertEquals("failure", json(get("/operation/" + op.get("id").asText())).get("state").asText());
        assertTrue(state.holders(eip).isEmpty());
        assertEquals("success", operate("attach", node1).get("state").asText());
        assertEquals(Set.of(node1), state.holders(eip));
    }

    @Test
    void refusesImpossibleFaults() {
        assertThrows(IllegalArgumentException.class, () -> Fault.proxyError().times(0));
        assertThrows(IllegalArgumentException.class, () -> Fault.proxyError().matching(null, "(unclosed"));
        assertThrows(IllegalArgumentException.class, () -> Fault.slow(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> Fault.Kind.fromWireName("explode"));
        assertFalse(Fault.proxyError().matching("get", null).matches("PUT", "/v2/elastic-ip", "127.0.0.1"));
    }

    @Test
    void aFaultFromOneClientSparesTheOthers() throws Exception {
        // This test's client is 127.0.0.1: a fault for another address is left queued, untouched.
        server.faults().add(Fault.unavailable().times(5).from("127.0.0.2"));
        assertEquals(200, get("/elastic-ip").statusCode());
        assertEquals(5, server.faults().pending().get(0).times());
        server.faults().clear();
        server.faults().add(Fault.unavailable().from("127.0.0.1"));
        assertEquals(500, get("/elastic-ip").statusCode());
        assertTrue(server.faults().pending().isEmpty());
    }

    @Test
    void aFaultForOneClientIsQueuedThroughTheControlApi() throws Exception {
        assertEquals(200, control("POST", "/faults", "{\"kind\":\"unavailable\",\"times\":3,\"client\":\"127.0.0.9\"}")
                .statusCode());
        assertEquals(200, get("/elastic-ip").statusCode());
        JsonNode queued = json(control("GET", "/faults", null)).get("faults").get(0);
        assertEquals("127.0.0.9", queued.get("client").asText());
        assertEquals(3, queued.get("times").asInt());
    }

    @Test
    void ambiguousAttachHappensButAnswers504() throws Exception {
        assertEquals(200, control("POST", "/faults", "{\"kind\":\"ambiguous\",\"method\":\"PUT\",\"path\":\":attach$\"}")
                .statusCode());
        HttpResponse<String> response = put("/elastic-ip/" + eip + ":attach", "{\"instance\":{\"id\":\"" + node1 + "\"}}");
        assertEquals(504, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(response.body().contains("504 Gateway Time-out"), response.body());
        assertEquals(Set.of(node1), state.holders(eip), "the write was done");
        assertEquals(1, state.events().size());
        assertEquals("success", operate("detach", node1).get("state").asText(), "once only");
    }

    @Test
    void clearingTheFaultsEndsASlowAnswer() throws Exception {
        server.faults().add(Fault.slow(Duration.ofMinutes(5)));
        var answer = client.sendAsync(signed("GET", api("/elastic-ip"), null).timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        // Taken from the queue: the request is being held. Clear until it answers (a clear that
        // came between the take and the wait would not count), within a deadline far below the delay.
        while (!server.faults().pending().isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        while (!answer.isDone() && System.nanoTime() < deadline) {
            server.faults().clear();
            try {
                answer.get(50, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillHeld) {
                // clear again
            }
        }
        assertTrue(answer.isDone(), "the slow answer still held 30 s after the faults were cleared");
        assertEquals(200, answer.get().statusCode());
    }
}

package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.exoip.exoscale.RequestSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The stand-in accepts exactly the requests the real API would, by EXO2-HMAC-SHA256. */
class SignatureTest extends StandinTestBase {

    private final ManualClock clock = new ManualClock();

    @Override
    StandinClock clock() {
        return clock;
    }

    @Test
    void acceptsRequestsSignedByRequestSigner() throws Exception {
        assertEquals(200, get("/elastic-ip").statusCode());
        assertEquals(200, get("/instance?ip-address=" + EIP_ADDRESS).statusCode());
        assertEquals(200, get("/security-group?visibility=private").statusCode());
        assertEquals(200, put("/elastic-ip/" + eip + ":attach", "{\"instance\":{\"id\":\"" + node1 + "\"}}")
                .statusCode());
    }

    @Test
    void acceptsQueryValuesThatNeedDecoding() throws Exception {
        // The labels filter as the stand-in reads it: key=value pairs separated by a space, all escaped.
        assertEquals(200, get("/instance?ip-address=" + EIP_ADDRESS + "&labels=a%3Db%20c%3Dd").statusCode());
    }

    @Test
    void refusesMissingAuthorization() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api("/elastic-ip")).GET());
        assertRefused(response, "missing Authorization header");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Bearer abc",
        "EXO2-HMAC-SHA256",
        "EXO2-HMAC-SHA256 credential=" + KEY,
        "EXO2-HMAC-SHA256 credential=" + KEY + ",expires=soon,signature=abc=",
        "EXO2-HMAC-SHA256 credential=" + KEY + ",expires=1,expires=2,signature=abc=",
        "EXO2-HMAC-SHA256 credential=" + KEY + ",expires=4102444800,signature=abc=,colour=blue",
        "EXO2-HMAC-SHA256 credential=" + KEY + ", expires=4102444800,signature=abc=",
        "EXO2-HMAC-SHA256 credential=,expires=4102444800,signature=abc=",
    })
    void refusesMalformedAuthorization(String header) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(api("/elastic-ip")).header("Authorization", header));
        assertRefused(response, SignatureVerifier.INVALID);
    }

    @Test
    void refusesWrongSecret() throws Exception {
        URI uri = api("/elastic-ip");
        String header = new RequestSigner(KEY, "not-the-secret").authorization("GET", uri, new byte[0], expiry());
        assertRefused(send(HttpRequest.newBuilder(uri).header("Authorization", header)), "signature does not match");
    }

    @Test
    void refusesUnknownKey() throws Exception {
        URI uri = api("/elastic-ip");
        String header = new RequestSigner("EXOnobody", SECRET).authorization("GET", uri, new byte[0], expiry());
        assertRefused(send(HttpRequest.newBuilder(uri).header("Authorization", header)), "unknown API key");
    }

    @Test
    void refusesExpiredSignatureButAcceptsTheLastSecond() throws Exception {
        HttpRequest request = signed("GET", api("/elastic-ip"), null).build();
        clock.advance(Duration.ofSeconds(RequestSigner.VALIDITY_SECONDS));
        assertEquals(200, client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> late = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(403, late.statusCode());
        assertEquals("request signature expired", json(late).get("message").asText());
    }

    @Test
    void refusesTamperedBody() throws Exception {
        URI uri = api("/elastic-ip/" + eip + ":attach");
        String signedBody = "{\"instance\":{\"id\":\"" + node1 + "\"}}";
        String sentBody = "{\"instance\":{\"id\":\"" + node2 + "\"}}";
        String header = signer.authorization("PUT", uri, signedBody.getBytes(StandardCharsets.UTF_8), expiry());
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri).header("Authorization", header)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(sentBody)));
        assertRefused(response, "signature does not match");
        assertTrue(state.holders(eip).isEmpty());
    }

    @Test
    void refusesTamperedQueryValue() throws Exception {
        assertRefused(signedForButSentTo("/instance?ip-address=192.0.2.10", "/instance?ip-address=192.0.2.11"),
                "signature does not match");
    }

    @Test
    void refusesQueryParametersNotNamedInSignedQueryArgs() throws Exception {
        assertRefused(signedForButSentTo("/instance", "/instance?ip-address=192.0.2.10"), "signed-query-args");
    }

    @Test
    void refusesSignatureForAnotherPath() throws Exception {
        assertRefused(signedForButSentTo("/elastic-ip", "/instance"), "signature does not match");
    }

    @Test
    void refusalNeverShowsTheSecretNorTheExpectedSignature() throws Exception {
        URI uri = api("/elastic-ip");
        String good = signer.authorization("GET", uri, new byte[0], expiry());
        String expected = good.substring(good.indexOf("signature=") + "signature=".length());
        String bad = good.replace(expected, "AAAA" + expected.substring(4));
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri).header("Authorization", bad));
        assertEquals(403, response.statusCode());
        assertFalse(response.body().contains(SECRET));
        assertFalse(response.body().contains(expected));
    }

    @Test
    void signsOverTheRawPathWithTheColon() {
        // The verifier is pure: check it without HTTP for the one path shape that has a colon.
        SignatureVerifier verifier = new SignatureVerifier(
                k -> k.equals(KEY) ? Optional.of(SECRET) : Optional.empty(), clock);
        URI uri = URI.create("http://x/v2/elastic-ip/" + eip + ":detach");
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertTrue(verifier.refusal("PUT", uri, body, signer.authorization("PUT", uri, body, expiry())).isEmpty());
        assertFalse(verifier.refusal("POST", uri, body, signer.authorization("PUT", uri, body, expiry())).isEmpty());
    }

    /** A GET signed for one path and query, sent to another. */
    private HttpResponse<String> signedForButSentTo(String signedPath, String sentPath) throws Exception {
        String header = signer.authorization("GET", api(signedPath), new byte[0], expiry());
        return send(HttpRequest.newBuilder(api(sentPath)).header("Authorization", header));
    }

    private long expiry() {
        return clock.now().getEpochSecond() + 600;
    }

    private static void assertRefused(HttpResponse<String> response, String messagePart) throws Exception {
        assertEquals(403, response.statusCode(), response.body());
        String message = json(response).get("message").asText();
        assertTrue(message.contains(messagePart), message);
        assertFalse(response.body().contains(SECRET));
    }
}

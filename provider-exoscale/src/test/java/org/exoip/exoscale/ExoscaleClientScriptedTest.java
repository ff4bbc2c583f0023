package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.exoip.exoscale.ScriptedServer.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client against canned answers the stand-in API does not give: unknown enum values, odd
 * bodies, a reply that never comes, operations in every end state.
 */
class ExoscaleClientScriptedTest {

    private static final String SECRET = "scripted-secret-value";
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_750_000_000L), ZoneOffset.UTC);
    private static final UUID EIP = UUID.fromString("11111111-1111-4111-8111-111111111111");
    private static final UUID VM = UUID.fromString("22222222-2222-4222-8222-222222222222");
    private static final UUID OP = UUID.fromString("33333333-3333-4333-8333-333333333333");
    private static final UUID GROUP = UUID.fromString("44444444-4444-4444-8444-444444444444");
    private static final RetrySchedule FAST_RETRIES = new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(4),
            0.2, Duration.ofSeconds(5), Duration.ofMillis(100));
    private static final PollSchedule FAST_POLLS = new PollSchedule(Duration.ofMillis(1), Duration.ofMillis(4),
            Duration.ofSeconds(5));

    private ScriptedServer server;

    @BeforeEach
    void start() throws IOException {
        server = ScriptedServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ExoscaleClient.Builder clientBuilder() {
        return ExoscaleClient.builder()
                .raceWrites(false) // one scripted answer a request: the race has tests of its own
                .endpoint(URI.create(server.base() + "/v2"))
                .apiKey("EXOscripted")
                .apiSecret(SECRET)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(2))
                .retrySchedule(FAST_RETRIES)
                .pollSchedule(FAST_POLLS)
                .clock(CLOCK);
    }

    private ExoscaleClient client() {
        return clientBuilder().build();
    }

    private static Inet4Address ip(String text) {
        return Ipv4.parse(text).orElseThrow();
    }

    private static String operation(String state, String extra) {
        return "{\"id\":\"" + OP + "\",\"state\":\"" + state + "\"" + extra + "}";
    }

    @Test
    void unknownFieldsAndEnumValuesParse() throws Exception {
        server.then(Reply.json(200, "{\"id\":\"" + VM + "\",\"name\":\"web-1\",\"state\":\"hibernating\","
                + "\"public-ip\":\"192.0.2.10\",\"public-ip-assignment\":\"quad\",\"brand-new-field\":{\"x\":[1,2]},"
                + "\"security-groups\":[{\"id\":\"" + GROUP + "\",\"name\":\"extra\"}],"
                + "\"elastic-ips\":[{\"id\":\"" + EIP + "\",\"ip\":\"198.51.100.50\"}],"
                + "\"manager\":{\"id\":\"" + OP + "\",\"type\":\"future-manager\"}}"));

        Instance instance = client().instance(VM);

        assertEquals(new Instance(VM, "web-1", Ipv4.parse("192.0.2.10"), Set.of(GROUP)), instance);
    }

    @Test
    void elasticIpsOfReadsTheInstance() throws Exception {
        server.then(Reply.json(200, "{\"id\":\"" + VM + "\",\"elastic-ips\":[{\"id\":\"" + EIP + "\"}]}"),
                Reply.json(200, "{\"id\":\"" + VM + "\"}"));
        ExoscaleClient client = client();

        assertEquals(Set.of(EIP), client.elasticIpsOf(VM));
        assertEquals(Set.of(), client.elasticIpsOf(VM), "no elastic-ips field: holds none");
        assertEquals("/v2/instance/" + VM, server.requests().get(0).uri().getRawPath());
    }

    @Test
    void requestsCarryAValidSignatureOverPathQueryAndBody() throws Exception {
        server.then(Reply.json(200, "{\"instances\":[]}"), Reply.json(200, operation("success", "")));
        ExoscaleClient client = client();

        client.instancesHolding(ip("198.51.100.50"));
        client.attach(EIP, VM);

        RequestSigner signer = new RequestSigner("EXOscripted", SECRET);
        long expires = CLOCK.instant().getEpochSecond() + 600;
        for (ScriptedServer.Request r : server.requests()) {
            assertEquals(signer.authorization(r.method(), r.uri(), r.body().getBytes(StandardCharsets.UTF_8), expires),
                    r.authorization(), r.method() + " " + r.uri());
        }
        ScriptedServer.Request put = server.requests().get(1);
        assertEquals("PUT", put.method());
        assertEquals("/v2/elastic-ip/" + EIP + ":attach", put.uri().getRawPath());
        assertEquals("{\"instance\":{\"id\":\"" + VM + "\"}}", put.body());
        assertEquals("ip-address=198.51.100.50", server.requests().get(0).uri().getRawQuery());
    }

    @Test
    void operationInAnUnknownStateIsPolledUntilItEnds() throws Exception {
        server.then(Reply.json(200, operation("queued", "")),
                Reply.json(200, operation("pending", "")),
                Reply.json(200, operation("success", ",\"reason\":\"a-reason-added-later\"")));

        client().detach(EIP, VM);

        List<ScriptedServer.Request> requests = server.requests();
        assertEquals(3, requests.size());
        assertEquals("/v2/elastic-ip/" + EIP + ":detach", requests.get(0).uri().getRawPath());
        assertEquals("/v2/operation/" + OP, requests.get(2).uri().getRawPath());
    }

    @Test
    void operationFailureNamesReasonAndMessage() {
        server.then(Reply.json(200, operation("pending", "")),
                Reply.json(200, operation("failure", ",\"reason\":\"conflict\",\"message\":\"already attached\"")));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().attach(EIP, VM));

        assertEquals("attach Elastic IP " + EIP + " to instance " + VM + " failed: operation " + OP
                + " failure (reason conflict): already attached", e.getMessage());
        assertFalse(e.retryable());
        assertEquals(OptionalInt.empty(), e.status());
    }

    @Test
    void operationFailureWithAReasonAddedLaterStillReports() {
        server.then(Reply.json(200, operation("failure", ",\"reason\":\"quota\",\"message\":\"too many\"")));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().attach(EIP, VM));

        assertTrue(e.getMessage().endsWith("failure (reason unrecognised): too many"), e.getMessage());
    }

    @Test
    void operationTimeoutIsRetryableAndBusyIsToo() {
        server.then(Reply.json(200, operation("timeout", ",\"reason\":\"unknown\"")),
                Reply.json(200, operation("failure", ",\"reason\":\"busy\"")));
        ExoscaleClient client = client();

        assertTrue(assertThrows(ExoscaleException.class, () -> client.attach(EIP, VM)).retryable());
        assertTrue(assertThrows(ExoscaleException.class, () -> client.attach(EIP, VM)).retryable());
    }

    @Test
    void operationStillPendingAtTheDeadlineIsARetryableError() {
        server.otherwise(Reply.json(200, operation("pending", "")));
        ExoscaleClient client = clientBuilder()
                .pollSchedule(new PollSchedule(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(150)))
                .build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.attach(EIP, VM));

        assertTrue(e.retryable());
        java.util.regex.Matcher after = java.util.regex.Pattern.compile("operation " + OP + " still pending after (\\d+) ms$")
                .matcher(e.getMessage());
        assertTrue(after.find(), e.getMessage());
        assertTrue(Long.parseLong(after.group(1)) >= 150, "the time it really polled: " + e.getMessage());
        assertTrue(server.requests().size() >= 3, "polled several times: " + server.requests().size());
    }

    @Test
    void aFailedPollIsRetriedLikeAnyCall() throws Exception {
        server.then(Reply.json(200, operation("pending", "")),
                Reply.text(503, "text/plain", "service unavailable"),
                Reply.json(200, operation("success", "")));

        client().attach(EIP, VM);

        assertEquals(3, server.requests().size());
    }

    @Test
    void htmlWithStatus200IsAnUnreadableAnswerNotRetried() {
        server.otherwise(Reply.text(200, "text/html", "<html><title>Login</title></html>"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().elasticIpId(ip("198.51.100.50")));

        assertFalse(e.retryable());
        String host = server.base().getHost() + ":" + server.base().getPort();
        assertTrue(e.getMessage().startsWith("find Elastic IP 198.51.100.50 failed: got text/html (status 200) from "
                + host + " where JSON was expected"), e.getMessage());
        assertEquals(1, server.requests().size());
    }

    @Test
    void jsonThatIsNotTheExpectedShapeSaysWhatTheParserFound() {
        server.otherwise(Reply.json(200, "{\"elastic-ips\": 7}"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().elasticIpId(ip("198.51.100.50")));

        assertTrue(e.getMessage().startsWith("find Elastic IP 198.51.100.50 failed: the answer is not the expected JSON"),
                e.getMessage());
    }

    @Test
    void aNotFoundFromAnEndpointWithoutV2HintsAtTheBaseUrl() {
        server.otherwise(Reply.json(404, "{\"message\":\"no route for GET /elastic-ip\"}"));

        ExoscaleException e = assertThrows(ExoscaleException.class,
                () -> clientBuilder().endpoint(URI.create(server.base().toString())).build()
                        .elasticIpId(ip("198.51.100.50")));

        assertTrue(e.getMessage().startsWith("find Elastic IP 198.51.100.50 failed: 404 no route for GET /elastic-ip "
                + "(the API's base URL ends in /v2"), e.getMessage());
    }

    @Test
    void clientErrorsAreNotRetried() {
        server.otherwise(Reply.json(404, "{\"message\":\"instance not found\"}"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().instance(VM));

        assertEquals("get instance " + VM + " failed: 404 instance not found", e.getMessage());
        assertEquals(OptionalInt.of(404), e.status());
        assertEquals("instance not found", e.serverMessage());
        assertFalse(e.retryable());
        assertEquals(1, server.requests().size());
    }

    @Test
    void serverErrorsAreRetriedUpToTheAttemptLimit() {
        server.otherwise(Reply.json(500, "{\"title\":\"Internal Server Error\",\"detail\":\"db down\",\"status\":500}"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().instance(VM));

        assertTrue(e.getMessage().startsWith("get instance " + VM + " failed: 500 Internal Server Error: db down (3 tries in "),
                e.getMessage());
        assertTrue(e.retryable());
        assertEquals(FAST_RETRIES.maxAttempts(), server.requests().size());
    }

    @Test
    void refusedCredentialsSayWhatToCheckAndNeverTheSecret() {
        server.otherwise(Reply.json(401, "{\"error\":\"bad key EXOscripted with secret " + SECRET + "\"}"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().instance(VM));

        assertFalse(e.retryable());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertTrue(e.getMessage().contains("***"), e.getMessage());
        assertTrue(e.getMessage().contains("credentials or signature"), e.getMessage());
        assertEquals(1, server.requests().size());
    }

    @Test
    void retryAfterIsHonouredUpToItsCap() throws Exception {
        server.then(Reply.json(429, "{\"message\":\"slow down\"}").withHeader("Retry-After", "30"),
                Reply.json(200, "{\"elastic-ips\":[{\"id\":\"" + EIP + "\",\"ip\":\"198.51.100.50\"}]}"));
        ExoscaleClient client = clientBuilder()
                .retrySchedule(new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(4), 0.2,
                        Duration.ofSeconds(5), Duration.ofMillis(150)))
                .build();

        long start = System.nanoTime();
        assertEquals(EIP, client.elasticIpId(ip("198.51.100.50")));
        long waitedMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(2, server.requests().size());
        // The back-off alone would wait a few ms; the 30 s asked for is capped at 150 ms.
        assertTrue(waitedMillis >= 150, "waited " + waitedMillis + " ms");
        assertTrue(waitedMillis < 5_000, "waited " + waitedMillis + " ms");
    }

    @Test
    void aRequestThatGetsNoAnswerTimesOutAndIsRetried() {
        server.otherwise(Reply.noAnswer());
        ExoscaleClient client = clientBuilder()
                .requestTimeout(Duration.ofMillis(200))
                .retrySchedule(new RetrySchedule(2, Duration.ofMillis(1), Duration.ofMillis(4), 0,
                        Duration.ofSeconds(5), Duration.ZERO))
                .build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.instance(VM));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("no answer from " + server.base().getAuthority() + " within 200 ms (2 tries in "),
                e.getMessage());
        assertEquals(2, server.requests().size());
    }

    @Test
    void aClosedPortIsARetryableConnectionError() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        ExoscaleClient client = clientBuilder().endpoint(URI.create("http://127.0.0.1:" + port + "/v2")).build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.instance(VM));

        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void elasticIpIdNeedsExactlyOneMatchAndIsRemembered() throws Exception {
        UUID other = UUID.fromString("55555555-5555-4555-8555-555555555555");
        server.then(
                Reply.json(200, "{\"elastic-ips\":[{\"id\":\"" + other + "\",\"ip\":\"198.51.100.51\"}]}"),
                Reply.json(200, "{\"elastic-ips\":[{\"id\":\"" + EIP + "\",\"ip\":\"198.51.100.50\"},"
                        + "{\"id\":\"" + other + "\",\"ip\":\"198.51.100.50\"}]}"),
                Reply.json(200, "{\"elastic-ips\":[{\"id\":\"" + EIP + "\",\"ip\":\"198.51.100.50\","
                        + "\"addressfamily\":\"inet7\",\"healthcheck\":{\"mode\":\"tcp\",\"port\":80}}]}"));
        ExoscaleClient client = client();

        ExoscaleException none = assertThrows(ExoscaleException.class, () -> client.elasticIpId(ip("198.51.100.50")));
        assertTrue(none.getMessage().startsWith("find Elastic IP 198.51.100.50 failed: no Elastic IP has this address"),
                none.getMessage());
        ExoscaleException two = assertThrows(ExoscaleException.class, () -> client.elasticIpId(ip("198.51.100.50")));
        assertTrue(two.getMessage().contains("2 Elastic IPs have this address"), two.getMessage());
        assertEquals(EIP, client.elasticIpId(ip("198.51.100.50")));
        assertEquals(EIP, client.elasticIpId(ip("198.51.100.50")));
        assertEquals(3, server.requests().size(), "the id is remembered");
    }

    @Test
    void securityGroupNameMustBeUnique() {
        server.then(Reply.json(200, "{\"security-groups\":[{\"id\":\"" + GROUP + "\",\"name\":\"exoip\"},"
                + "{\"id\":\"" + OP + "\",\"name\":\"exoip\"}]}"),
                Reply.json(200, "{\"security-groups\":[{\"id\":\"" + GROUP + "\",\"name\":\"other\"}]}"));
        ExoscaleClient client = client();

        ExoscaleException two = assertThrows(ExoscaleException.class, () -> client.securityGroupMembers("exoip"));
        assertTrue(two.getMessage().contains("2 security groups have this name"), two.getMessage());
        ExoscaleException none = assertThrows(ExoscaleException.class, () -> client.securityGroupMembers("exoip"));
        assertEquals("list the members of security group \"exoip\" failed: no security group has this name",
                none.getMessage());
    }

    @Test
    void retryAfterParsesSecondsAndDates() {
        ExoscaleClient client = client();
        assertEquals(Duration.ofSeconds(7), client.retryAfter(headers("7")));
        assertEquals(Duration.ofSeconds(90), client.retryAfter(headers(rfc1123(CLOCK.instant().plusSeconds(90)))));
        assertEquals(Duration.ZERO, client.retryAfter(headers(rfc1123(CLOCK.instant().minusSeconds(90)))));
        assertEquals(null, client.retryAfter(headers("soon")));
        assertEquals(null, client.retryAfter(headers("99999999999999999999999")));
    }

    @Test
    void retryAfterDelayIsCappedAndOutlastsJitter() {
        RetrySchedule schedule = new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(4), 0.5,
                Duration.ofSeconds(5), Duration.ofSeconds(2));
        ExoscaleException asked = new ExoscaleException("x", 429, "", true, Duration.ofSeconds(10), null);
        ExoscaleException none = new ExoscaleException("x", 503, "", true, null, null);

        assertEquals(Duration.ofSeconds(4), ExoscaleClient.retryAfterDelay(asked, schedule));
        assertTrue(ExoscaleClient.retryAfterDelay(none, schedule).isNegative(), "use the back-off");
        assertTrue(ExoscaleClient.retryAfterDelay(new IOException(), schedule).isNegative());
    }

    private static java.net.http.HttpHeaders headers(String retryAfter) {
        return java.net.http.HttpHeaders.of(java.util.Map.of("Retry-After", List.of(retryAfter)), (a, b) -> true);
    }

    private static String rfc1123(Instant instant) {
        return java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atZone(ZoneOffset.UTC));
    }
}

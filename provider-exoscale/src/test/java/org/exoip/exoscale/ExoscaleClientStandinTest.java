package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.exoip.exoscale.standin.AttachmentEvent;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinClock;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every call of {@link ExoscaleClient} against the stand-in API on loopback, with its faults.
 * Every object the stand-in sends carries a field the real API lacks ({@code x-standin}), so
 * each passing call also shows that unknown fields are ignored.
 */
class ExoscaleClientStandinTest {

    private static final String KEY = "EXOstandin";
    private static final String SECRET = "standin-secret-never-shown";
    private static final String EIP_ADDRESS = "198.51.100.50";
    private static final RetrySchedule FAST_RETRIES = new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(4),
            0.2, Duration.ofSeconds(10), Duration.ofMillis(20));
    private static final PollSchedule FAST_POLLS = new PollSchedule(Duration.ofMillis(2), Duration.ofMillis(20),
            Duration.ofSeconds(10));

    private StandinServer server;
    private StandinState state;
    private UUID eip;
    private UUID nodeA;
    private UUID nodeB;
    private UUID other;

    @BeforeEach
    void start() throws IOException {
        server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        eip = UUID.fromString(state.addElasticIp(EIP_ADDRESS).id());
        state.addElasticIp("198.51.100.99");
        nodeA = UUID.fromString(state.addInstance("node-a", "192.0.2.1", "exoip").id());
        nodeB = UUID.fromString(state.addInstance("node-b", "192.0.2.2", "exoip", "ssh").id());
        other = UUID.fromString(state.addInstance("web", "192.0.2.3", "web").id());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ExoscaleClient.Builder clientBuilder() {
        return ExoscaleClient.builder()
                .writeHedge(Duration.ofMinutes(10)) // one request a write: the tests count them
                .endpoint(server.apiBase())
                .apiKey(KEY)
                .apiSecret(SECRET)
                .connectTimeout(Duration.ofSeconds(2))
                .requestTimeout(Duration.ofSeconds(2))
                .retrySchedule(FAST_RETRIES)
                .pollSchedule(FAST_POLLS);
    }

    private ExoscaleClient client() {
        return clientBuilder().build();
    }

    private static Inet4Address ip(String text) {
        return Ipv4.parse(text).orElseThrow();
    }

    private long requests(String route) {
        return server.requestCounts().getOrDefault(route, 0L);
    }

    @Test
    void elasticIpIdFindsTheAddressOnceAndRemembersIt() throws Exception {
        ExoscaleClient client = client();

        assertEquals(eip, client.elasticIpId(ip(EIP_ADDRESS)));
        assertEquals(eip, client.elasticIpId(ip(EIP_ADDRESS)));

        assertEquals(1, requests("GET /v2/elastic-ip"));
        ExoscaleException missing = assertThrows(ExoscaleException.class, () -> client.elasticIpId(ip("203.0.113.7")));
        assertTrue(missing.getMessage().startsWith("find Elastic IP 203.0.113.7 failed: no Elastic IP has this address"),
                missing.getMessage());
    }

    @Test
    void labelsAreReplacedAndReadBackKeepingTheOthers() throws Exception {
        state.addElasticIp(null, "198.51.100.77", null, java.util.Map.of("team", "db"));
        ExoscaleClient client = client();
        assertEquals(java.util.Map.of("team", "db"), client.elasticIpLabels(ip("198.51.100.77")));
        client.setElasticIpLabels(ip("198.51.100.77"), java.util.Map.of("team", "db", "exoip-claim", "1.x.2"));
        assertEquals(java.util.Map.of("team", "db", "exoip-claim", "1.x.2"), client.elasticIpLabels(ip("198.51.100.77")));
        assertEquals(1, requests("PUT /v2/elastic-ip/{id}"));
    }

    @Test
    void attachThenDetachMoveTheElasticIpAndTheReadsFollow() throws Exception {
        ExoscaleClient client = client();
        client.elasticIpId(ip(EIP_ADDRESS));

        client.attach(eip, nodeA);
        client.attach(eip, nodeB);

        assertEquals(Set.of(nodeA.toString(), nodeB.toString()), state.holders(eip.toString()));
        assertEquals(Set.of(nodeA, nodeB), client.instancesHolding(ip(EIP_ADDRESS)));
        assertEquals(Set.of(eip), client.elasticIpsOf(nodeA));
        assertEquals(Set.of(), client.elasticIpsOf(other));

        client.detach(eip, nodeB);

        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
        assertEquals(Set.of(nodeA), client.instancesHolding(ip(EIP_ADDRESS)));
        List<AttachmentEvent.Kind> kinds = server.events().stream().map(AttachmentEvent::kind).toList();
        assertEquals(List.of(AttachmentEvent.Kind.ATTACH, AttachmentEvent.Kind.ATTACH, AttachmentEvent.Kind.DETACH),
                kinds);
    }

    private static Set<String> httpSelectorThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.matches("HttpClient-\\d+-SelectorManager")).collect(Collectors.toSet());
    }

    /** Each JDK HttpClient runs a selector thread: the four generated API classes share one client. */
    @Test
    void everyCallGoesThroughOneHttpClient() throws Exception {
        Set<String> before = httpSelectorThreads();
        ExoscaleClient client = client();
        client.attach(eip, nodeA); // Elastic IP and operation APIs
        client.instance(nodeA); // instance API
        client.securityGroupMembers("exoip"); // security group API
        Set<String> started = httpSelectorThreads();
        started.removeAll(before);
        assertEquals(1, started.size(), "selector threads started: " + started);
    }

    @Test
    void attachReturnsOnlyOnceThePendingOperationHasSucceeded() throws Exception {
        // A stand-in whose clock moves only when the test says: the operation stays pending,
        // however late the first poll comes on a loaded machine, until the clock passes its delay.
        server.close();
        FrozenClock clock = new FrozenClock();
        server = StandinServer.builder().clock(clock).start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        eip = UUID.fromString(state.addElasticIp(EIP_ADDRESS).id());
        nodeA = UUID.fromString(state.addInstance("node-a", "192.0.2.1", "exoip").id());
        state.setOperationDelay(Duration.ofSeconds(1));
        ExoscaleClient client = clientBuilder().pollSchedule(new PollSchedule(Duration.ofMillis(2),
                Duration.ofMillis(20), Duration.ofMinutes(2))).build();

        CompletableFuture<Void> attach = CompletableFuture.runAsync(() -> {
            try {
                client.attach(eip, nodeA);
            } catch (ExoscaleException e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (requests("GET /v2/operation/{id}") < 1 && !attach.isDone() && System.nanoTime() - deadline < 0) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        assertTrue(requests("GET /v2/operation/{id}") >= 1, "no poll within 60 s: " + server.requestCounts());
        assertFalse(attach.isDone(), "attach returned while its operation was pending");

        clock.advance(Duration.ofSeconds(1));
        attach.get(60, TimeUnit.SECONDS);

        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
        assertTrue(requests("GET /v2/operation/{id}") >= 2, server.requestCounts().toString());
    }

    /** Real time at its start, then still until {@link #advance}; the signatures stay valid meanwhile. */
    private static final class FrozenClock implements StandinClock {
        private final Instant start = Instant.now();
        private final AtomicLong moved = new AtomicLong();

        @Override
        public Instant now() {
            return start.plusNanos(moved.get());
        }

        @Override
        public long nanos() {
            return moved.get();
        }

        void advance(Duration by) {
            moved.addAndGet(by.toNanos());
        }
    }

    @Test
    void attachingAnInstanceThatHoldsItAlreadyIsDoneAfterAReadBack() throws Exception {
        ExoscaleClient client = client();
        client.attach(eip, nodeA);
        long reads = requests("GET /v2/instance/{id}");

        client.attach(eip, nodeA); // the API answers conflict: read back, it holds it, done
        client.detach(eip, nodeB); // likewise: node B never held it

        assertEquals(reads + 2, requests("GET /v2/instance/{id}"), server.requestCounts().toString());
        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
    }

    @Test
    void aConflictThatTheReadBackDoesNotConfirmIsAnError() throws Exception {
        ExoscaleClient client = client();
        server.faults().add(Fault.operationFailure("conflict", "someone else's change"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.attach(eip, nodeA));

        assertTrue(e.getMessage().endsWith("failure (reason conflict): someone else's change"), e.getMessage());
        assertFalse(e.retryable());
    }

    @ParameterizedTest
    @CsvSource({"busy, true", "unavailable, true", "forbidden, false", "incorrect, false", "not-found, false"})
    void aFailedOperationNamesItsReasonAndMessage(String reason, boolean retryable) {
        server.faults().add(Fault.operationFailure(reason, "the platform says " + reason));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().attach(eip, nodeA));

        assertTrue(e.getMessage().startsWith("attach Elastic IP " + eip + " to instance " + nodeA + " failed: operation "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("failure (reason " + reason + "): the platform says " + reason),
                e.getMessage());
        assertEquals(retryable, e.retryable());
        assertEquals(Set.of(), state.holders(eip.toString()));
    }

    @Test
    void operationMessagesNameTheAddressOnceItIsKnown() throws Exception {
        ExoscaleClient client = client();
        client.elasticIpId(ip(EIP_ADDRESS));
        server.faults().add(Fault.operationFailure("forbidden", "nope"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.detach(eip, nodeA));

        assertTrue(e.getMessage().startsWith("detach Elastic IP " + EIP_ADDRESS + " (" + eip + ") from instance "
                + nodeA + " failed:"), e.getMessage());
    }

    @Test
    void instanceGivesNamePublicIpAndGroups() throws Exception {
        Instance b = client().instance(nodeB);

        assertEquals(nodeB, b.id());
        assertEquals("node-b", b.name());
        assertEquals(Ipv4.parse("192.0.2.2"), b.publicIp());
        assertEquals(2, b.securityGroups().size());
    }

    @Test
    void aPrivateInstanceHasNoPublicIp() throws Exception {
        UUID hidden = UUID.fromString(state.addInstance(null, "hidden", null, List.of("exoip")).id());

        assertTrue(client().instance(hidden).publicIp().isEmpty());
    }

    @Test
    void securityGroupMembersAreTheGroupsInstances() throws Exception {
        List<Instance> members = client().securityGroupMembers("exoip");

        assertEquals(Set.of(nodeA, nodeB), members.stream().map(Instance::id).collect(Collectors.toSet()));
        assertEquals(Set.of(ip("192.0.2.1"), ip("192.0.2.2")),
                members.stream().map(i -> i.publicIp().orElseThrow()).collect(Collectors.toSet()));
        assertEquals(List.of(nodeB), client().securityGroupMembers("ssh").stream().map(Instance::id).toList());
    }

    @Test
    void securityGroupNameMustExistAndBeUnique() {
        state.addSecurityGroup("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a", "twin", null);
        state.addSecurityGroup("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2b", "twin", null);
        ExoscaleClient client = client();

        ExoscaleException missing = assertThrows(ExoscaleException.class, () -> client.securityGroupMembers("nope"));
        assertEquals("list the members of security group \"nope\" failed: no security group has this name",
                missing.getMessage());
        ExoscaleException twins = assertThrows(ExoscaleException.class, () -> client.securityGroupMembers("twin"));
        assertTrue(twins.getMessage().contains("2 security groups have this name"), twins.getMessage());
    }

    // ---- faults: passing ones are retried, the request count shows it

    /** Each passing fault, once: the call succeeds on its second request. */
    @ParameterizedTest
    @CsvSource({"proxy-error", "rate-limited", "unavailable", "slow", "drop-connection"})
    void aPassingFaultIsRetriedAndTheCallSucceeds(String kind) throws Exception {
        server.faults().add(fault(kind).matching("GET", "^/v2/instance/"));
        ExoscaleClient client = clientBuilder().requestTimeout(Duration.ofMillis(300)).build();

        assertEquals("node-a", client.instance(nodeA).name());

        assertEquals(2, requests("GET /v2/instance/{id}"), kind);
    }

    /**
     * The JDK's HttpClient itself resends an idempotent request once when a reused connection
     * closes before any answer; so a GET that meets dropped connections is sent once or twice per
     * attempt of ours. Exact counts are checked on a PUT, which the JDK never resends.
     */
    private static final int JDK_RESENDS_PER_GET = 2;

    /** Each passing fault, every time: the call gives up after maxAttempts with a readable message. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "proxy-error|failed: 502 HTML page: 502 Bad Gateway",
        "rate-limited|failed: 429 Too many requests",
        "unavailable|failed: 500 service unavailable",
        "slow|within 300 ms",
        "drop-connection|failed: connection to ",
    })
    void aPassingFaultThatPersistsGivesUpAfterTheLastAttempt(String kind, String expected) {
        server.faults().add(fault(kind).times(10).matching("GET", "^/v2/instance/"));
        ExoscaleClient client = clientBuilder().requestTimeout(Duration.ofMillis(300)).build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.instance(nodeA));
        assertTrue(e.retryable(), e.getMessage());
        assertTrue(e.getMessage().startsWith("get instance " + nodeA + " failed:"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        long seen = requests("GET /v2/instance/{id}");
        if (kind.equals("drop-connection")) {
            assertTrue(seen >= FAST_RETRIES.maxAttempts() && seen <= JDK_RESENDS_PER_GET * FAST_RETRIES.maxAttempts(),
                    "requests seen: " + seen);
        } else {
            assertEquals(FAST_RETRIES.maxAttempts(), seen, kind);
        }
    }

    private static Fault fault(String kind) {
        return switch (Fault.Kind.fromWireName(kind)) {
            case PROXY_ERROR -> Fault.proxyError();
            case RATE_LIMITED -> Fault.rateLimited(1);
            case UNAVAILABLE -> Fault.unavailable();
            case SLOW -> Fault.slow(Duration.ofSeconds(2));
            case DROP_CONNECTION -> Fault.dropConnection();
            case OPERATION_FAILURE, STATUS, AMBIGUOUS -> throw new IllegalArgumentException(kind);
        };
    }

    @Test
    void aFaultOnTheAttachItselfIsRetriedToo() throws Exception {
        server.faults().add(Fault.proxyError().matching("PUT", ":attach$"));

        client().attach(eip, nodeA);

        assertEquals(2, requests("PUT /v2/elastic-ip/{id}:attach"));
        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
    }

    @Test
    void aDroppedConnectionOnTheAttachIsRetriedByUs() throws Exception {
        server.faults().add(Fault.dropConnection().matching("PUT", ":attach$"));

        client().attach(eip, nodeA);

        assertEquals(2, requests("PUT /v2/elastic-ip/{id}:attach"));
        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
    }

    @Test
    void aDroppedConnectionOnEveryAttachGivesUpAfterTheLastAttempt() {
        server.faults().add(Fault.dropConnection().times(10).matching("PUT", ":attach$"));

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().attach(eip, nodeA));

        assertTrue(e.retryable());
        assertEquals(FAST_RETRIES.maxAttempts(), requests("PUT /v2/elastic-ip/{id}:attach"));
    }

    @Test
    void notFoundIsNotRetried() {
        UUID unknown = UUID.fromString("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a");

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client().instance(unknown));

        assertEquals("get instance " + unknown + " failed: 404 instance " + unknown + " not found", e.getMessage());
        assertFalse(e.retryable());
        assertEquals(1, requests("GET /v2/instance/{id}"));
    }

    @Test
    void aWrongSecretIsRefusedOnceAndTheMessageHoldsNoSecret() {
        String wrong = "a-wrong-secret-that-must-not-leak";
        ExoscaleClient client = clientBuilder().apiSecret(wrong).build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.instance(nodeA));

        assertEquals(OptionalInt.of(403), e.status());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("Invalid request signature"), e.getMessage());
        assertTrue(e.getMessage().contains("check the API key and secret"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertFalse(String.valueOf(client).contains(wrong));
        assertEquals(1, requests("GET /v2/instance/{id}"));
    }

    @Test
    void aClockFarBehindMakesExpiredSignatures() {
        Clock anHourBehind = Clock.offset(Clock.systemUTC(), Duration.ofHours(-1));
        ExoscaleClient client = clientBuilder().clock(anHourBehind).build();

        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.elasticIpsOf(nodeA));

        assertEquals(OptionalInt.of(403), e.status());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        assertTrue(e.getMessage().contains("clock"), e.getMessage());
    }

    @Test
    void aClockSomewhatAheadStillWorks() throws Exception {
        // Signatures are valid 600 s; a clock 5 minutes ahead still signs acceptably.
        ExoscaleClient client = clientBuilder().clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(5))).build();

        assertEquals(Set.of(), client.elasticIpsOf(nodeA));
    }

    @Test
    void everyReadCallWorksThroughTheStandin() throws Exception {
        // One pass over every read route, so a change of the description that breaks one shows here.
        ExoscaleClient client = client();
        assertEquals(eip, client.elasticIpId(ip(EIP_ADDRESS)));
        assertEquals(Set.of(), client.instancesHolding(ip(EIP_ADDRESS)));
        assertEquals(Set.of(), client.elasticIpsOf(nodeA));
        assertEquals("web", client.instance(other).name());
        assertEquals(2, client.securityGroupMembers("exoip").size());
        assertEquals(Map.of("GET /v2/elastic-ip", 1L, "GET /v2/instance", 2L, "GET /v2/instance/{id}", 2L,
                "GET /v2/security-group", 1L), server.requestCounts());
    }
}

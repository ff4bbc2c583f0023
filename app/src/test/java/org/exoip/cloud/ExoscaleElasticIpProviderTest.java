package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.PollSchedule;
import org.exoip.exoscale.RetrySchedule;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Elastic IP port on the stand-in Exoscale API (loopback only). */
class ExoscaleElasticIpProviderTest {

    private static final String KEY = "EXOprovider";
    private static final String SECRET = "provider-secret";
    private static final String ADDRESS = "198.51.100.50";

    private StandinServer server;
    private StandinState state;
    private String eip;
    private UUID self;
    private UUID peer;
    private final Set<UUID> known = new HashSet<>();

    @BeforeEach
    void start() throws IOException {
        server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        eip = state.addElasticIp(ADDRESS).id();
        self = UUID.fromString(state.addInstance("self", "192.0.2.1", "exoip").id());
        peer = UUID.fromString(state.addInstance("peer", "192.0.2.2", "exoip").id());
        known.add(self);
        known.add(peer);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static ExoscaleClient client(URI endpoint) {
        return ExoscaleClient.builder()
                .writeHedge(Duration.ofMinutes(10)) // one request a write: the tests count them
                .endpoint(endpoint)
                .apiKey(KEY)
                .apiSecret(SECRET)
                .requestTimeout(Duration.ofSeconds(2))
                .retrySchedule(new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(4), 0.2,
                        Duration.ofSeconds(5), Duration.ofMillis(10)))
                .pollSchedule(new PollSchedule(Duration.ofMillis(2), Duration.ofMillis(20), Duration.ofSeconds(5)))
                .build();
    }

    private ExoscaleElasticIpProvider provider() {
        return new ExoscaleElasticIpProvider(client(server.apiBase()), address(), () -> Set.copyOf(known));
    }

    private static Inet4Address address() {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, 50});
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private long requests(String route) {
        return server.requestCounts().getOrDefault(route, 0L);
    }

    @Test
    void attachAndDetachMoveTheElasticIpAndHoldersFollow() throws Exception {
        ExoscaleElasticIpProvider provider = provider();
        assertEquals(Set.of(), provider.holders());

        provider.attach(self);
        provider.attach(peer);
        assertEquals(Set.of(self, peer), provider.holders());

        provider.detach(peer);
        assertEquals(Set.of(self), provider.holders());
        assertEquals(Set.of(self.toString()), state.holders(eip));
    }

    @Test
    void theNormalPathMakesNoExtraRequest() throws Exception {
        ExoscaleElasticIpProvider provider = provider();
        provider.holders();
        long instanceReadsBefore = requests("GET /v2/instance/{id}");

        provider.attach(self);

        assertEquals(1, requests("PUT /v2/elastic-ip/{id}:attach"));
        assertEquals(instanceReadsBefore, requests("GET /v2/instance/{id}"), "no check before writing");
    }

    @Test
    void attachingAHolderAndDetachingANonHolderSucceedAfterOneCheck() throws Exception {
        ExoscaleElasticIpProvider provider = provider();
        provider.attach(self);

        provider.attach(self);
        provider.detach(peer);

        assertEquals(Set.of(self.toString()), state.holders(eip));
        assertEquals(2, requests("GET /v2/instance/{id}"), "one confirmation per refused write");
    }

    @Test
    void aRealFailureIsNotTakenForSuccess() {
        server.faults().add(Fault.operationFailure("forbidden", "not allowed"));

        CloudException e = assertThrows(CloudException.class, () -> provider().attach(self));

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("failure (reason forbidden): not allowed"), e.getMessage());
        assertEquals(Set.of(), state.holders(eip));
    }

    @Test
    void aBusyPlatformIsARetryableCloudException() {
        server.faults().add(Fault.operationFailure("busy", "try later"));

        CloudException e = assertThrows(CloudException.class, () -> provider().attach(self));

        assertTrue(e.retryable());
    }

    @Test
    void aKnownInstanceThatVanishedHoldsNothing() throws Exception {
        known.add(UUID.fromString("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a"));
        state.attach(ADDRESS, "peer");

        assertEquals(Set.of(peer), provider().holders());
    }

    @Test
    void anUnknownAddressIsAPermanentError() {
        ExoscaleElasticIpProvider provider = new ExoscaleElasticIpProvider(client(server.apiBase()),
                (Inet4Address) InetAddress.getLoopbackAddress(), Set::of);

        CloudException e = assertThrows(CloudException.class, provider::holders);

        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("127.0.0.1"), e.getMessage());
    }

    @Test
    void aWrongSecretIsAPermanentErrorWithoutTheSecret() {
        ExoscaleClient wrong = ExoscaleClient.builder().endpoint(server.apiBase()).apiKey(KEY)
                .apiSecret("not-the-secret-at-all").build();

        CloudException e = assertThrows(CloudException.class,
                () -> new ExoscaleElasticIpProvider(wrong, address(), Set::of).holders());

        assertFalse(e.retryable());
        assertFalse(e.getMessage().contains("not-the-secret-at-all"));
    }

    @Test
    void aHolderTheListFilterDoesNotShowIsFoundThroughTheKnownInstances() throws Exception {
        // A stub API whose ip-address filter finds nothing while the instance itself says it holds it.
        UUID eipId = UUID.fromString("11111111-1111-4111-8111-111111111111");
        HttpServer stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/v2/elastic-ip", exchange -> reply(exchange,
                "{\"elastic-ips\":[{\"id\":\"" + eipId + "\",\"ip\":\"" + ADDRESS + "\"}]}"));
        stub.createContext("/v2/instance", exchange -> reply(exchange,
                exchange.getRequestURI().getPath().equals("/v2/instance")
                        ? "{\"instances\":[]}"
                        : "{\"id\":\"" + self + "\",\"elastic-ips\":[{\"id\":\"" + eipId + "\"}]}"));
        stub.start();
        try {
            URI endpoint = URI.create("http://127.0.0.1:" + stub.getAddress().getPort() + "/v2");
            ExoscaleElasticIpProvider provider = new ExoscaleElasticIpProvider(client(endpoint), address(),
                    () -> Set.of(self));

            assertEquals(Set.of(self), provider.holders());
        } finally {
            stub.stop(0);
        }
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}

package org.exoip.exoscale.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;
import org.exoip.exoscale.InstancePool;
import org.exoip.exoscale.PrivateNetwork;
import org.exoip.exoscale.PollSchedule;
import org.exoip.exoscale.RequestSigner;
import org.exoip.exoscale.RetrySchedule;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every call exoip makes, and every route of the stand-in, in one flow. By default straight to
 * the stand-in; with {@code -Dexoip.conformance.prism=PATH} (the {@code prism} executable,
 * {@code .ci/run} and {@code provider-exoscale/conformance/run-prism} set it) through Stoplight
 * Prism validating both directions against Exoscale's official description, and any violation
 * fails the test.
 */
class OfficialProxyFlowTest {

    static final String PRISM_PROPERTY = "exoip.conformance.prism";

    private static final String KEY = "EXOconformance";
    private static final String SECRET = "conformance-secret-never-shown";
    private static final String EIP_ADDRESS = "198.51.100.50";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private StandinServer server;
    private StandinState state;
    private PrismProxy prism;
    private URI endpoint;
    private UUID eip;
    private UUID nodeA;
    private UUID nodeB;
    private UUID group;
    private UUID pool;
    private UUID network;

    @BeforeEach
    void start() throws IOException {
        server = StandinServer.start(new InetSocketAddress("127.0.0.1", 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        eip = UUID.fromString(state.addElasticIp(EIP_ADDRESS).id());
        nodeA = UUID.fromString(state.addInstance("node-a", "192.0.2.1", "exoip").id());
        nodeB = UUID.fromString(state.addInstance("node-b", "192.0.2.2", "exoip", "ssh").id());
        state.addInstance("web", "192.0.2.3", "web");
        group = UUID.fromString(state.securityGroups().stream().filter(g -> g.name().equals("exoip")).findFirst()
                .orElseThrow().id());
        pool = UUID.fromString(state.addInstancePool(null, "exoip-pool", List.of(EIP_ADDRESS), Map.of("role", "exoip"))
                .id());
        state.setInstancePool("node-a", "exoip-pool");
        state.setLabels("node-b", Map.of("role", "exoip", "env", "prod"));
        network = UUID.fromString(state.addPrivateNetwork(null, "exoip-net", "adverts", "10.0.0.10", "10.0.0.99",
                "255.255.255.0").id());
        state.setLease("exoip-net", "node-a", "10.0.0.11");
        state.setLease("exoip-net", "node-b", "10.0.0.12");
        // Attach and detach then stay pending a moment, so the client polls GET /operation/{id}.
        state.setOperationDelay(Duration.ofMillis(30));

        String prismPath = System.getProperty(PRISM_PROPERTY, "");
        if (prismPath.isBlank()) {
            endpoint = server.apiBase();
        } else {
            URI upstream = server.baseUri();
            prism = PrismProxy.start(Path.of(prismPath), Descriptions.read(Descriptions.official()), upstream,
                    Path.of("target", "prism"));
            endpoint = prism.apiBase();
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (prism != null) {
            prism.close();
        }
        server.close();
    }

    @Test
    void everyCallOfTheClientAndEveryRouteOfTheStandin() throws Exception {
        try {
            flow();
        } catch (ExoscaleException | AssertionError e) {
            if (prism == null) {
                throw e;
            }
            // Prism answers a violation with a problem whose details only it holds: fetch them.
            fail(e.getMessage() + "\n  " + String.join("\n  ", explainedByPrism()), e);
        }
        if (prism != null) {
            List<String> violations = prism.stopAndCollectViolations();
            if (!violations.isEmpty()) {
                fail(violations.size() + " violation(s) of the official description (Prism's log: "
                        + prism.log().toAbsolutePath() + "):\n  " + String.join("\n  ", violations));
            }
        }
    }

    private void flow() throws Exception {
        ExoscaleClient client = ExoscaleClient.builder().endpoint(endpoint).apiKey(KEY).apiSecret(SECRET)
                .connectTimeout(TIMEOUT).requestTimeout(TIMEOUT)
                // One attempt: a refused request must fail the flow, not be retried away.
                .retrySchedule(new RetrySchedule(1, Duration.ofMillis(1), Duration.ofMillis(2), 0, TIMEOUT,
                        Duration.ZERO))
                .pollSchedule(new PollSchedule(Duration.ofMillis(10), Duration.ofMillis(20), TIMEOUT))
                .build();

        Inet4Address eipAddress = (Inet4Address) InetAddress.getByName(EIP_ADDRESS);
        assertEquals(eip, client.elasticIpId(eipAddress));
        assertEquals(Set.of(), client.instancesHolding(eipAddress));
        client.attach(eip, nodeA);
        client.attach(eip, nodeB);
        assertEquals(Set.of(nodeA, nodeB), client.instancesHolding(eipAddress));
        assertEquals(Set.of(eip), client.elasticIpsOf(nodeA));
        Instance b = client.instance(nodeB);
        assertEquals("node-b", b.name());
        assertEquals(2, b.securityGroups().size());
        List<Instance> members = client.securityGroupMembers("exoip");
        assertEquals(Set.of(nodeA, nodeB), members.stream().map(Instance::id).collect(Collectors.toSet()));
        assertEquals(pool, client.instancePool("exoip-pool").id());
        assertEquals(Optional.of(pool), client.poolOf(nodeA).map(InstancePool::id));
        assertEquals(List.of(nodeA), client.poolMembers(pool).stream().map(Instance::id).toList());
        assertEquals(List.of(nodeB), client.labelled(Map.of("role", "exoip")).stream().map(Instance::id).toList());
        PrivateNetwork net = client.privateNetwork("exoip-net");
        assertEquals(network, net.id());
        assertEquals(Map.of(nodeA, InetAddress.getByName("10.0.0.11"), nodeB, InetAddress.getByName("10.0.0.12")),
                net.leases());
        client.detach(eip, nodeB);
        assertEquals(Set.of(nodeA.toString()), state.holders(eip.toString()));
        assertTrue(server.requestCounts().getOrDefault("GET /v2/operation/{id}", 0L) >= 1,
                "the operation was never polled: " + server.requestCounts());

        // Routes of the stand-in the client does not call, so that their answers are checked too.
        for (String route : readRoutes()) {
            HttpResponse<String> response = signedGet(route);
            assertEquals(200, response.statusCode(), "GET " + route + ": " + response.body());
        }
    }

    private List<String> readRoutes() {
        return List.of("/elastic-ip", "/elastic-ip/" + eip, "/instance", "/instance?ip-address=" + EIP_ADDRESS,
                "/instance?manager-type=instance-pool", "/instance/" + nodeA, "/security-group",
                "/security-group?visibility=private", "/security-group/" + group, "/instance-pool",
                "/instance-pool/" + pool, "/instance?manager-id=" + pool + "&manager-type=instance-pool",
                "/instance?labels=role%3Dexoip%20env%3Dprod", "/private-network", "/private-network/" + network);
    }

    /** Each read route again, signed, and what Prism finds wrong with it, one line a violation. */
    private List<String> explainedByPrism() throws IOException, InterruptedException {
        List<String> lines = new ArrayList<>();
        for (String route : readRoutes()) {
            HttpResponse<String> response = signedGet(route);
            JsonNode problem = response.statusCode() == 200 ? null : readJson(response.body());
            if (problem == null || !problem.path("type").asText().contains("stoplight.io/prism")) {
                continue;
            }
            for (JsonNode violation : problem.path("validation")) {
                List<String> location = new ArrayList<>();
                violation.path("location").forEach(l -> location.add(l.asText()));
                lines.add("GET /v2" + route + ": " + String.join(".", location) + ": "
                        + violation.path("message").asText());
            }
        }
        lines.add("(Prism's log: " + prism.log().toAbsolutePath() + ")");
        return lines;
    }

    private static JsonNode readJson(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private HttpResponse<String> signedGet(String pathAndQuery) throws IOException, InterruptedException {
        URI uri = URI.create(endpoint + pathAndQuery);
        long expires = Clock.systemUTC().instant().getEpochSecond() + RequestSigner.VALIDITY_SECONDS;
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Authorization", new RequestSigner(KEY, SECRET).authorization("GET", uri, new byte[0], expires))
                .GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}

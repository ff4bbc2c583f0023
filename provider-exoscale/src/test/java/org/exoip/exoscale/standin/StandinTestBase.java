package org.exoip.exoscale.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.exoip.exoscale.RequestSigner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A stand-in on an ephemeral loopback port with three instances in group "exoip" (public IPs
 * 127.0.0.1 to .3) and one Elastic IP nobody holds, and helpers to send signed requests.
 */
abstract class StandinTestBase {

    static final String KEY = "EXOstandin-test-key";
    static final String SECRET = "stand-in-test-secret-0123456789abcdefghijklmn";
    static final String EIP_ADDRESS = "192.0.2.10";
    static final ObjectMapper JSON = new ObjectMapper();

    final RequestSigner signer = new RequestSigner(KEY, SECRET);
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    StandinServer server;
    StandinState state;
    String eip;
    String node1;
    String node2;
    String node3;
    String group;

    /** The clock the server uses; a subclass returns a {@link ManualClock} to drive time. */
    StandinClock clock() {
        return StandinClock.system();
    }

    @BeforeEach
    void startStandin() throws IOException {
        server = StandinServer.builder().clock(clock()).start(new InetSocketAddress("127.0.0.1", 0));
        state = server.state();
        state.addCredential(KEY, SECRET);
        node1 = state.addInstance("node-1", "127.0.0.1", "exoip").id();
        node2 = state.addInstance("node-2", "127.0.0.2", "exoip").id();
        node3 = state.addInstance("node-3", "127.0.0.3", "exoip", "web").id();
        group = state.securityGroups().get(0).id();
        eip = state.addElasticIp(EIP_ADDRESS).id();
    }

    @AfterEach
    void stopStandin() {
        server.close();
    }

    URI api(String pathAndQuery) {
        return URI.create(server.apiBase() + pathAndQuery);
    }

    /** A request signed as the real client signs it, valid for ten minutes of the server's clock. */
    HttpRequest.Builder signed(String method, URI uri, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        long expires = clock().now().getEpochSecond() + RequestSigner.VALIDITY_SECONDS;
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Authorization", signer.authorization(method, uri, bytes, expires));
        if (body == null) {
            return builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return builder.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(signed("GET", api(pathAndQuery), null));
    }

    HttpResponse<String> put(String path, String body) throws IOException, InterruptedException {
        return send(signed("PUT", api(path), body));
    }

    /** {@code PUT /elastic-ip/{eip}:attach} (or detach) for an instance; returns the operation. */
    JsonNode operate(String action, String instanceId) throws IOException, InterruptedException {
        HttpResponse<String> response = put("/elastic-ip/" + eip + ":" + action,
                "{\"instance\":{\"id\":\"" + instanceId + "\"}}");
        if (response.statusCode() != 200) {
            throw new AssertionError(action + " answered " + response.statusCode() + ": " + response.body());
        }
        return json(response);
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    /** Unsigned request to the control API. */
    HttpResponse<String> control(String method, String path, String body) throws IOException, InterruptedException {
        return control(server, method, path, body);
    }

    /** Unsigned request to another stand-in's control API. */
    HttpResponse<String> control(StandinServer target, String method, String path, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(target.baseUri() + "/_standin" + path))
                .timeout(Duration.ofSeconds(10));
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    }
}

package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every network failure of both clients names its cause in words, against real sockets on
 * 127.0.0.1: a closed port, a name that cannot resolve, and a server that accepts the connection
 * but never answers. Never "null", which is what HttpClient's own messages give.
 */
class NetworkFailureTest {

    /** RFC 6761: names under .invalid never resolve, so no query can find an answer anywhere. */
    private static final String UNRESOLVABLE = "exoip-test.invalid";
    private static final UUID VM = UUID.fromString("44444444-4444-4444-8444-444444444444");
    private static final RetrySchedule ONCE = new RetrySchedule(1, Duration.ofMillis(1), Duration.ofMillis(2), 0,
            Duration.ofSeconds(5), Duration.ZERO);

    @Test
    void aClosedPortIsConnectionRefused() throws Exception {
        int port = closedPort();

        ExoscaleException api = assertThrows(ExoscaleException.class, () -> api("127.0.0.1:" + port).instance(VM));
        ExoscaleException metadata = assertThrows(ExoscaleException.class,
                () -> metadata("127.0.0.1:" + port, Duration.ofSeconds(5)).instanceId());

        assertEquals("get instance " + VM + " failed: connection refused by 127.0.0.1:" + port, api.getMessage());
        assertTrue(api.retryable());
        assertEquals("read http://127.0.0.1:" + port + "/latest/meta-data/instance-id failed: connection refused"
                + " (expected: the instance's UUID; is this an Exoscale instance?)", metadata.getMessage());
        assertTrue(metadata.retryable());
    }

    @Test
    void anUnresolvableNameIsNameNotFound() {
        long start = System.nanoTime();
        ExoscaleException api = assertThrows(ExoscaleException.class, () -> api(UNRESOLVABLE + ":8080").instance(VM));
        ExoscaleException metadata = assertThrows(ExoscaleException.class,
                () -> metadata(UNRESOLVABLE, Duration.ofSeconds(5)).availabilityZone());
        long millis = (System.nanoTime() - start) / 1_000_000;

        // The API client resolves names on a thread of its own and says so in its own words.
        assertEquals("get instance " + VM + " failed: cannot resolve " + UNRESOLVABLE + " (name not found)",
                api.getMessage());
        assertEquals("read http://" + UNRESOLVABLE + "/latest/meta-data/availability-zone failed: name not found: "
                + UNRESOLVABLE + " (expected: a zone name such as ch-gva-2; is this an Exoscale instance?)",
                metadata.getMessage());
        // The resolver answers for .invalid at once here; if it did not, the messages above would
        // have been timeouts instead.
        assertTrue(millis < 5_000, "resolving took " + millis + " ms");
    }

    @Test
    void aServerThatNeverAnswersTimesOutNamingTheTimeout() throws Exception {
        // The kernel completes the TCP handshake for the backlog: accepted, then silence.
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getByName("127.0.0.1"))) {
            String authority = "127.0.0.1:" + silent.getLocalPort();
            ExoscaleClient client = ExoscaleClient.builder().endpoint(URI.create("http://" + authority + "/v2"))
                    .apiKey("EXOkey").apiSecret("secret").requestTimeout(Duration.ofMillis(300))
                    .retrySchedule(ONCE).build();

            MetadataClient metadataClient = metadata(authority, Duration.ofMillis(300));
            // Once each for the class loading of a first exchange: on a busy machine that alone can
            // outlast 300 ms while connecting, and the failure is then (truly) "no connection".
            assertThrows(ExoscaleException.class, () -> client.instance(VM));
            assertThrows(ExoscaleException.class, metadataClient::publicIpv4);

            ExoscaleException api = assertThrows(ExoscaleException.class, () -> client.instance(VM));
            ExoscaleException metadata = assertThrows(ExoscaleException.class, metadataClient::publicIpv4);

            assertEquals("get instance " + VM + " failed: no answer from " + authority + " within 300 ms",
                    api.getMessage());
            assertEquals("read http://" + authority + "/latest/meta-data/public-ipv4 failed: no answer within 300 ms"
                    + " (expected: an IPv4 address)", metadata.getMessage());
            assertFalse(metadata.getMessage().contains("null"));
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static ExoscaleClient api(String authority) {
        return ExoscaleClient.builder().endpoint(URI.create("http://" + authority + "/v2")).apiKey("EXOkey")
                .apiSecret("secret").connectTimeout(Duration.ofSeconds(5)).retrySchedule(ONCE).build();
    }

    private static MetadataClient metadata(String authority, Duration timeout) {
        return MetadataClient.builder().base(URI.create("http://" + authority + "/latest/meta-data"))
                .timeout(timeout).build();
    }
}

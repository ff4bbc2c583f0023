package org.exoip.e2e;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.ExoscaleElasticIpProvider;
import org.exoip.cloud.ObservedElasticIpProvider;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.PollSchedule;
import org.exoip.exoscale.RetrySchedule;
import org.exoip.exoscale.standin.StandinServer;

/** Engines' cloud on the stand-in API (loopback), with fast retries and polls, for end-to-end tests. */
final class StandinCloud {

    static final String KEY = "EXOend2end";
    static final String SECRET = "end-to-end-secret";
    static final String ELASTIC_IP = "198.51.100.50";

    private StandinCloud() {
    }

    /** Adds the credential and the Elastic IP to the stand-in's world; returns the Elastic IP's id. */
    static String prepare(StandinServer standin) {
        standin.state().addCredential(KEY, SECRET);
        return standin.state().addElasticIp(ELASTIC_IP).id();
    }

    /** The Elastic IP port for {@code known} instances, its calls reported to {@code listener}. */
    static ObservedElasticIpProvider provider(StandinServer standin, Set<UUID> known, ApiCallListener listener)
            throws Exception {
        ExoscaleClient client = ExoscaleClient.builder().endpoint(standin.apiBase()).apiKey(KEY).apiSecret(SECRET)
                .requestTimeout(Duration.ofSeconds(2))
                .retrySchedule(new RetrySchedule(2, Duration.ofMillis(1), Duration.ofMillis(4), 0,
                        Duration.ofSeconds(5), Duration.ofMillis(10)))
                .pollSchedule(new PollSchedule(Duration.ofMillis(2), Duration.ofMillis(20), Duration.ofSeconds(5)))
                .writeHedge(Duration.ofMinutes(10)) // one request a write: tests count the detaches
                .build();
        return new ObservedElasticIpProvider(new ExoscaleElasticIpProvider(client, elasticIp(), () -> known),
                listener);
    }

    static Inet4Address elasticIp() throws Exception {
        return (Inet4Address) InetAddress.getByName(ELASTIC_IP);
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** {@code GET base + path} (the metrics server's routes), the answer as text; an I/O failure fails the test. */
    static HttpResponse<String> httpGet(URI base, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + ": " + e, e);
        }
    }

    /** Waits for the condition, failing after {@code timeout}. */
    static void await(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }
}

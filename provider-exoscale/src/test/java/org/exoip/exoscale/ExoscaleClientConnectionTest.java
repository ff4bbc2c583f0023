package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinTls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API client's connections under the conditions of a real network, against the stand-in on
 * loopback: a connection a middlebox forgot (a relay that drops the bytes of the connections it
 * had), a connection idle too long, a host name whose resolver fails or hangs after a first answer,
 * and a name that never resolved.
 */
class ExoscaleClientConnectionTest {

    private static final String KEY = "EXOconnections";
    private static final String SECRET = "connections-secret-never-shown";
    private static final String EIP = "198.51.100.50";
    private static final String NAME = "api.exoip.test";
    /** A request timeout no test may wait out: an answer that comes must come from another connection. */
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final PollSchedule FAST_POLLS = new PollSchedule(Duration.ofMillis(2), Duration.ofMillis(20),
            Duration.ofSeconds(10));

    @TempDir
    Path tmp;

    private StandinServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private StandinServer start(StandinTls tls) throws Exception {
        StandinServer.Builder builder = StandinServer.builder();
        if (tls != null) {
            builder.tls(tls);
        }
        server = builder.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.state().addCredential(KEY, SECRET);
        server.state().addElasticIp(EIP);
        return server;
    }

    private static ExoscaleClient.Builder client(URI endpoint) {
        return ExoscaleClient.builder().endpoint(endpoint).apiKey(KEY).apiSecret(SECRET)
                .requestTimeout(LONG).retrySchedule(RetrySchedule.NONE).pollSchedule(FAST_POLLS);
    }

    private static Inet4Address eip() throws UnknownHostException {
        return (Inet4Address) InetAddress.getByName(EIP);
    }

    @Test
    void anAttachOnAForgottenConnectionIsAnsweredOnANewOne() throws Exception {
        start(null);
        UUID instance = UUID.fromString(server.state().addInstance("node-a", "192.0.2.1").id());
        try (ForgetfulProxy middlebox = new ForgetfulProxy(server.address())) {
            ExoscaleClient client = client(middlebox.via(server.apiBase())).build();
            UUID elasticIp = client.elasticIpId(eip());
            assertEquals(1, middlebox.connections());

            middlebox.forget();
            // No retry, and a request timeout longer than the wait: only a second connection can answer.
            CompletableFuture<Void> attach = CompletableFuture.runAsync(() -> {
                try {
                    client.attach(elasticIp, instance);
                } catch (ExoscaleException e) {
                    throw new IllegalStateException(e);
                }
            });
            attach.get(30, TimeUnit.SECONDS);

            assertEquals(Set.of(instance.toString()), server.state().holders(elasticIp.toString()));
            assertEquals(2, middlebox.connections(), "the forgotten connection and one new one");
            // The winner's pool is the one in use now: the next read needs no new connection.
            assertEquals(Set.of(elasticIp), client.elasticIpsOf(instance));
            assertEquals(2, middlebox.connections());
        }
    }

    @Test
    void aKeepWarmReadOnAForgottenConnectionIsAnsweredOnANewOne() throws Exception {
        start(null);
        try (ForgetfulProxy middlebox = new ForgetfulProxy(server.address())) {
            ExoscaleClient client = client(middlebox.via(server.apiBase())).build();
            Inet4Address eip = eip();
            client.checkElasticIp(eip);
            assertEquals(1, middlebox.connections());

            middlebox.forget();
            // No retry, and a request timeout longer than the wait: only a second connection can answer.
            CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
                try {
                    client.checkElasticIp(eip);
                } catch (ExoscaleException e) {
                    throw new IllegalStateException(e);
                }
            });
            // The hedge goes out after max(1 s, 4 round trips); without it the client learns nothing
            // until the stand-in closes the idle server side 30 s later and the relay passes that on.
            read.get(20, TimeUnit.SECONDS);

            assertEquals(2, middlebox.connections(), "the forgotten connection and one new one");
            client.checkElasticIp(eip);
            assertEquals(2, middlebox.connections(), "the new connection is the one in use now");
        }
    }

    @Test
    void aDetachThatBothRequestsReachIsDoneOnce() throws Exception {
        start(null);
        UUID instance = UUID.fromString(server.state().addInstance("node-a", "192.0.2.1").id());
        server.state().setOperationDelay(Duration.ofMillis(50));
        // No hedge delay: every write after the first request goes out twice at once.
        ExoscaleClient client = client(server.apiBase()).writeHedge(Duration.ZERO).build();
        UUID elasticIp = client.elasticIpId(eip());
        client.attach(elasticIp, instance);
        client.detach(elasticIp, instance);
        assertEquals(Set.of(), server.state().holders(elasticIp.toString()));
        assertEquals(2, server.events().size(), "one attach and one detach, whichever request did it");
        // Both requests go out at once; the second may reach the stand-in after the first one's answer.
        await(() -> server.requestCounts().getOrDefault("PUT /v2/elastic-ip/{id}:detach", 0L) == 2,
                "the detach went out twice");
    }

    @Test
    void aConnectionIdleLongerThanTheBoundIsNotUsedAgain() throws Exception {
        StandinTls tls = StandinTls.selfSigned(StandinTls.DEFAULT_NAMES);
        start(tls);
        Path ca = tmp.resolve("ca.pem");
        tls.writeCertificate(ca);
        AtomicLong now = new AtomicLong(1_000_000_000L);
        ExoscaleClient client = client(server.apiBase()).trust(TrustedCertificates.sslContext(ca))
                .idleTimeout(Duration.ofSeconds(20)).ticker(now::get).build();
        client.checkElasticIp(eip());
        now.addAndGet(Duration.ofSeconds(19).toNanos());
        client.checkElasticIp(eip());
        assertEquals(1, server.tlsConnections(), "idle 19 s of 20: the same connection");

        now.addAndGet(Duration.ofSeconds(21).toNanos());
        client.checkElasticIp(eip());
        assertEquals(2, server.tlsConnections(), "idle 21 s: a new connection");
    }

    @Test
    void aHostNameKeepsItsLastAddressWhenTheResolverFailsOrHangs() throws Exception {
        StandinTls tls = StandinTls.selfSigned(List.of(NAME));
        start(tls);
        Path ca = tmp.resolve("ca.pem");
        tls.writeCertificate(ca);
        AtomicReference<String> mode = new AtomicReference<>("answer");
        AtomicInteger asked = new AtomicInteger();
        CountDownLatch hung = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EndpointAddresses.Resolver resolver = host -> {
            asked.incrementAndGet();
            assertEquals(NAME, host);
            switch (mode.get()) {
                case "answer":
                    return new InetAddress[] {InetAddress.getLoopbackAddress()};
                case "fail":
                    throw new UnknownHostException(host + ": Temporary failure in name resolution");
                default:
                    hung.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new UnknownHostException(host + ": timed out");
            }
        };
        URI endpoint = URI.create("https://" + NAME + ":" + server.address().getPort() + "/v2");
        // The certificate is for the name alone (no address in it): every answer below shows the
        // name reached TLS (SNI and the certificate check) although the connection is by address.
        ExoscaleClient client = client(endpoint).trust(TrustedCertificates.sslContext(ca)).resolver(resolver)
                .dnsRefresh(Duration.ofMillis(20)).build();
        client.checkElasticIp(eip());

        mode.set("fail");
        int before = asked.get();
        await(() -> asked.get() >= before + 2, "two failed resolutions");
        client.checkElasticIp(eip());

        mode.set("hang");
        assertTrue(hung.await(30, TimeUnit.SECONDS), "the resolver hangs");
        client.checkElasticIp(eip());
        release.countDown();
        assertEquals(1, server.tlsConnections(), "one connection all along");
    }

    @Test
    void aNameThatNeverResolvedIsNamedAsSuch() {
        EndpointAddresses.Resolver resolver = host -> {
            throw new UnknownHostException(host + ": Name or service not known");
        };
        ExoscaleClient client = client(URI.create("https://api.nowhere.test/v2")).resolver(resolver).build();
        ExoscaleException e = assertThrows(ExoscaleException.class, () -> client.checkElasticIp(eip()));
        assertEquals("find Elastic IP " + EIP + " failed: cannot resolve api.nowhere.test (name not found)",
                e.getMessage());
        assertTrue(e.retryable(), "a name may come to resolve");
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(5);
        }
    }
}

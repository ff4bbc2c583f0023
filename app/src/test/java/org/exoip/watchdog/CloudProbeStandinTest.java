package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import org.exoip.cloud.ExoscaleElasticIpProvider;
import org.exoip.cloud.TimedElasticIpProvider;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.standin.Fault;
import org.exoip.exoscale.standin.StandinServer;
import org.junit.jupiter.api.Test;

/**
 * The keep-warm probe through the real client and the stand-in, as a node runs it: a pooled
 * connection on which the read gets no answer (a middlebox that forgot the flow, a stuck proxy)
 * must not make the node say it could not take over: the read goes out on a new connection too.
 */
class CloudProbeStandinTest {

    private static final String KEY = "EXOprobe";
    private static final String SECRET = "probe-secret";
    private static final String PROBE = "GET /v2/elastic-ip/{id}";
    /** The command line's per-try answer timeout at the default --api-timeout. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    @Test
    void aReadWithNoAnswerOnThePooledConnectionLeavesTheNodeReady() throws Exception {
        try (StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            standin.state().addCredential(KEY, SECRET);
            standin.state().addElasticIp("198.51.100.50");
            // As ExoscaleConnector builds it for the default --api-timeout of 30 s.
            ExoscaleClient client = ExoscaleClient.builder().endpoint(standin.apiBase()).apiKey(KEY).apiSecret(SECRET)
                    .requestTimeout(REQUEST_TIMEOUT).build();
            Inet4Address eip = (Inet4Address) InetAddress.getByName("198.51.100.50");
            try (TimedElasticIpProvider cloud = new TimedElasticIpProvider(
                    new ExoscaleElasticIpProvider(client, eip, Set::of), Duration.ofSeconds(30), Thread::new)) {
                CloudProbe probe = new CloudProbe(cloud, Duration.ofSeconds(15), System::nanoTime, Thread::new);
                probe.probeOnce();
                assertTrue(probe.readiness().ready(), probe.readiness().reason());

                // The next read on the pooled connection gets no answer for far longer than any timeout.
                standin.faults().add(Fault.slow(Duration.ofMinutes(2)).matching("GET", "/elastic-ip/"));
                probe.probeOnce();

                CloudProbe.Readiness after = probe.readiness();
                assertTrue(after.ready(), after.reason());
                assertTrue(after.latencyNanos() < REQUEST_TIMEOUT.toNanos(),
                        "the probe waited out the request timeout: " + after.latencyNanos() / 1_000_000 + " ms");
                assertEquals(3L, standin.requestCounts().get(PROBE), "the first probe, and the second one twice");
            }
        }
    }
}

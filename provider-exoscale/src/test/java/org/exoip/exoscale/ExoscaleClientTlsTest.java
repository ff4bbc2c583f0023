package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.SSLHandshakeException;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinTls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API client against the stand-in serving HTTPS with certificates keytool made: trusted
 * through a CA file it works; untrusted or for another host name it fails at once, on one
 * connection, as a permanent failure that names the host and how to trust a CA.
 */
class ExoscaleClientTlsTest {

    private static final String KEY = "EXOtls";
    private static final String SECRET = "tls-secret-never-shown";
    private static final String ADDRESS = "198.51.100.50";
    /** Retries that would show: four tries if a certificate failure were taken for a passing one. */
    private static final RetrySchedule RETRIES = new RetrySchedule(4, Duration.ofMillis(1), Duration.ofMillis(4),
            0, Duration.ofSeconds(10), Duration.ofMillis(20));

    private static StandinTls loopback;
    private static StandinTls otherName;

    @TempDir
    Path tmp;

    @BeforeAll
    static void certificates() throws Exception {
        loopback = StandinTls.selfSigned(StandinTls.DEFAULT_NAMES);
        otherName = StandinTls.selfSigned(List.of("api.other.invalid"));
    }

    @Test
    void aClientTrustingTheCaFileWorks() throws Exception {
        try (StandinServer server = start(loopback)) {
            assertTrue(server.apiBase().toString().startsWith("https://127.0.0.1:"), server.apiBase().toString());
            Path ca = tmp.resolve("ca.pem");
            loopback.writeCertificate(ca);
            ExoscaleClient client = client(server, ca);
            UUID id = client.elasticIpId((Inet4Address) InetAddress.getByName(ADDRESS));
            assertEquals(server.state().findElasticIp(ADDRESS).orElseThrow().id(), id.toString());
        }
    }

    @Test
    void anUntrustedCertificateFailsAtOnceNamingTheHostAndTheFix() throws Exception {
        try (StandinServer server = start(loopback)) {
            ExoscaleClient client = client(server, null);
            ExoscaleException e = assertThrows(ExoscaleException.class,
                    () -> client.elasticIpId((Inet4Address) InetAddress.getByName(ADDRESS)));
            String host = "127.0.0.1:" + server.address().getPort();
            assertTrue(e.getMessage().contains("TLS certificate of " + host + " is not trusted"), e.getMessage());
            assertTrue(e.getMessage().contains("--api-ca-file"), e.getMessage());
            assertFalse(e.retryable(), "not a passing fault");
            assertTrue(e.certificate());
            assertEquals(1, server.tlsConnections(), "one try, no retry");
        }
    }

    @Test
    void aCertificateForAnotherNameIsAHostnameMismatch() throws Exception {
        try (StandinServer server = start(otherName)) {
            Path ca = tmp.resolve("other.pem");
            otherName.writeCertificate(ca);
            ExoscaleClient client = client(server, ca);
            ExoscaleException e = assertThrows(ExoscaleException.class,
                    () -> client.elasticIpId((Inet4Address) InetAddress.getByName(ADDRESS)));
            assertTrue(e.getMessage().contains("is for another host name (hostname mismatch"), e.getMessage());
            assertTrue(e.certificate());
            assertFalse(e.retryable());
            assertEquals(1, server.tlsConnections(), "one try, no retry");
        }
    }

    /**
     * The chain the JDK throws for an expired server certificate under a trusted CA (a self-signed
     * certificate that is itself the trust anchor is not checked for expiry, so the stand-in cannot
     * show this one).
     */
    @Test
    void anExpiredCertificateIsSaidToHaveExpired() {
        SSLHandshakeException e = new SSLHandshakeException("PKIX path validation failed: validity check failed");
        e.initCause(new CertPathValidatorException("validity check failed",
                new CertificateExpiredException("NotAfter: Sun Nov 29 21:00:00 UTC 2026")));
        URI api = URI.create("https://api.internal:8443/v2");
        assertEquals("the TLS certificate of api.internal:8443 has expired",
                NetworkFailure.describe(e, api, true, Duration.ofSeconds(5), Duration.ofSeconds(15)));
        assertTrue(NetworkFailure.certificate(e));
        assertFalse(NetworkFailure.certificate(new SSLHandshakeException("Received fatal alert: protocol_version")),
                "a handshake that failed on the protocol is not the certificate");
    }

    @Test
    void aJdkTrustStoreThatDoesNotExistIsNamed() {
        Path missing = tmp.resolve("missing.jks");
        String before = System.getProperty("javax.net.ssl.trustStore");
        System.setProperty("javax.net.ssl.trustStore", missing.toString());
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, TrustedCertificates::jdkDefault);
            assertEquals("the trust store javax.net.ssl.trustStore=" + missing + " does not exist", e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("javax.net.ssl.trustStore");
            } else {
                System.setProperty("javax.net.ssl.trustStore", before);
            }
        }
    }

    @Test
    void aCaFileThatIsMissingOrNotPemIsNamed() throws Exception {
        Path missing = tmp.resolve("missing.pem");
        IllegalArgumentException gone = assertThrows(IllegalArgumentException.class,
                () -> TrustedCertificates.sslContext(missing));
        assertEquals(missing + ": no such file (expected a PEM file of CA certificates)", gone.getMessage());
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not a certificate\n");
        IllegalArgumentException notPem = assertThrows(IllegalArgumentException.class,
                () -> TrustedCertificates.sslContext(text));
        assertTrue(notPem.getMessage().startsWith(text + ": not a PEM certificate file"), notPem.getMessage());
        Path broken = Files.writeString(tmp.resolve("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TrustedCertificates.sslContext(broken));
        assertTrue(bad.getMessage().startsWith(broken + ": a certificate in it does not parse"), bad.getMessage());
    }

    private static StandinServer start(StandinTls tls) throws Exception {
        StandinServer server = StandinServer.builder().tls(tls)
                .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.state().addCredential(KEY, SECRET);
        server.state().addElasticIp(ADDRESS);
        return server;
    }

    private static ExoscaleClient client(StandinServer server, Path ca) {
        ExoscaleClient.Builder builder = ExoscaleClient.builder().endpoint(server.apiBase()).apiKey(KEY)
                .apiSecret(SECRET).retrySchedule(RETRIES);
        if (ca != null) {
            builder.trust(TrustedCertificates.sslContext(ca));
        }
        return builder.build();
    }
}

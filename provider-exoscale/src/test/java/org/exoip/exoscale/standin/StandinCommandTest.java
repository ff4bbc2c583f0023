package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.exoip.exoscale.RequestSigner;
import org.exoip.exoscale.TrustedCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code exoip standin}, run in-process. */
class StandinCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final StandinCommand command = new StandinCommand();
    private final CommandLine cmd = new CommandLine(command)
            .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));

    @Test
    void badConfigExits2WithAMessageAndNoStackTrace() throws Exception {
        Path config = dir.resolve("bad.json");
        Files.writeString(config, "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"nowhere\"}]}");
        assertEquals(2, cmd.execute("--listen", "127.0.0.1:0", "--config", config.toString()));
        assertTrue(err.toString().contains("bad.json: instances[0] (a): \"nowhere\" is not an IP address"),
                err.toString());
        assertNoStackTrace();
    }

    @Test
    void missingConfigFileExits2() {
        assertEquals(2, cmd.execute("--config", dir.resolve("absent.json").toString()));
        assertTrue(err.toString().contains("absent.json: no such file"), err.toString());
        assertNoStackTrace();
    }

    @Test
    void noCredentialsExits2() {
        assertEquals(2, cmd.execute("--listen", "127.0.0.1:0"));
        assertTrue(err.toString().contains("no API key would be accepted"), err.toString());
    }

    @Test
    void keyWithoutSecretFileExits2() {
        assertEquals(2, cmd.execute("--api-key", "EXOk"));
        assertTrue(err.toString().contains("--api-key and --api-secret-file go together"), err.toString());
        assertNoStackTrace();
    }

    @Test
    void badListenAddressExits2() {
        assertEquals(2, cmd.execute("--listen", "127.0.0.1"));
        assertTrue(err.toString().contains("is not HOST:PORT"), err.toString());
        assertEquals(2, new CommandLine(new StandinCommand()).setErr(new PrintWriter(new StringWriter()))
                .execute("--listen", "127.0.0.1:99999"));
    }

    @Test
    void servesUntilStoppedWithTheKeyFromTheSecretFile() throws Exception {
        Files.writeString(dir.resolve("secret"), "the-secret\n");
        Path config = StandinConfigTest.findUpwards(Path.of("docs", "standin-example.json"));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cmd.execute("--listen", "127.0.0.1:0",
                "--config", config.toString(), "--api-key", "EXOcli", "--api-secret-file",
                dir.resolve("secret").toString()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // The one line is printed once the server listens.
        while (!out.toString().endsWith(System.lineSeparator()) && System.nanoTime() < deadline && !exit.isDone()) {
            Thread.onSpinWait();
        }
        StandinServer server = command.server();
        assertTrue(server != null, "started: " + err);
        String line = out.toString();
        assertTrue(line.startsWith("exoip standin listening on " + server.baseUri()), line);
        assertEquals(1, line.lines().count());

        URI uri = URI.create(server.apiBase() + "/elastic-ip");
        String auth = new RequestSigner("EXOcli", "the-secret").authorization("GET", uri, new byte[0],
                System.currentTimeMillis() / 1000 + 600);
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("Authorization", auth).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertTrue(response.body().contains("192.0.2.10"));
        assertEquals(1, server.state().instancePools().size(), "the key from the command line keeps the pools");

        command.stop();
        assertEquals(0, exit.get(10, TimeUnit.SECONDS));
        assertFalse(out.toString().contains("the-secret") || err.toString().contains("the-secret"));
    }

    @Test
    void servesHttpsWithASelfSignedCertificateItWritesOutForClients() throws Exception {
        Files.writeString(dir.resolve("secret"), "the-secret\n");
        Path ca = dir.resolve("ca.pem");
        StandinServer server = startAsync("--listen", "127.0.0.1:0", "--api-key", "EXOcli", "--api-secret-file",
                dir.resolve("secret").toString(), "--tls-self-signed", "--tls-name", "127.0.0.1", "--tls-write-ca",
                ca.toString());
        assertTrue(out.toString().startsWith("exoip standin listening on https://127.0.0.1:"), out.toString());
        assertEquals(200, signedGet(server, TrustedCertificates.sslContext(ca)).statusCode());
        command.stop();
    }

    @Test
    void servesHttpsWithACertificateAndKeyFromPemFiles() throws Exception {
        KeyStore made = StandinTls.keytool(StandinTls.DEFAULT_NAMES);
        Certificate certificate = made.getCertificate(StandinTls.ALIAS);
        Path cert = Files.writeString(dir.resolve("cert.pem"), TrustedCertificates.pem(certificate));
        Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(made.getKey(StandinTls.ALIAS, StandinTls.PASSWORD).getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.writeString(dir.resolve("secret"), "the-secret\n");
        StandinServer server = startAsync("--listen", "127.0.0.1:0", "--api-key", "EXOcli", "--api-secret-file",
                dir.resolve("secret").toString(), "--tls-cert", cert.toString(), "--tls-key", key.toString());
        assertEquals(200, signedGet(server, TrustedCertificates.sslContext(cert)).statusCode());
        command.stop();
    }

    @Test
    void badTlsOptionsExit2NamingTheFile() throws Exception {
        Files.writeString(dir.resolve("secret"), "the-secret\n");
        String[] key = {"--api-key", "EXOcli", "--api-secret-file", dir.resolve("secret").toString()};
        assertEquals(2, cmd.execute(concat(key, "--tls-cert", "c.pem")));
        assertTrue(err.toString().contains("--tls-cert and --tls-key go together"), err.toString());
        Path notKey = Files.writeString(dir.resolve("key.txt"), "no key\n");
        Path cert = Files.writeString(dir.resolve("cert.pem"), TrustedCertificates.pem(
                StandinTls.keytool(StandinTls.DEFAULT_NAMES).getCertificate(StandinTls.ALIAS)));
        assertEquals(2, cmd.execute(concat(key, "--tls-cert", cert.toString(), "--tls-key", notKey.toString())));
        assertTrue(err.toString().contains("exoip standin: " + notKey + ": no unencrypted PKCS#8 key in it"),
                err.toString());
        assertNoStackTrace();
    }

    private static String[] concat(String[] first, String... more) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }

    /** Runs the command on another thread and returns its server once the one line is printed. */
    private StandinServer startAsync(String... args) {
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cmd.execute(args));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!out.toString().endsWith(System.lineSeparator()) && System.nanoTime() < deadline && !exit.isDone()) {
            Thread.onSpinWait();
        }
        StandinServer server = command.server();
        assertTrue(server != null, "started: " + err);
        return server;
    }

    private static HttpResponse<String> signedGet(StandinServer server, SSLContext trust) throws Exception {
        URI uri = URI.create(server.apiBase() + "/elastic-ip");
        String auth = new RequestSigner("EXOcli", "the-secret").authorization("GET", uri, new byte[0],
                System.currentTimeMillis() / 1000 + 600);
        return HttpClient.newBuilder().sslContext(trust).build().send(HttpRequest.newBuilder(uri)
                .header("Authorization", auth).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void helpExits0() {
        assertEquals(0, cmd.execute("--help"));
        assertTrue(out.toString().contains("--api-secret-file"));
    }

    private void assertNoStackTrace() {
        assertFalse(err.toString().contains("\tat "), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinTls;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --api-ca-file} / {@code IF_EXOSCALE_API_CA_FILE}, in-process with the real connector:
 * {@code -A} against the stand-in serving HTTPS works with the stand-in's CA file, exits 1 at once
 * without it (saying how to trust a CA), and a CA file that is missing or not PEM is a usage error.
 */
class ApiCaFileTest {

    private static final String KEY = "EXOtls";
    private static final String SECRET = "tls-secret-never-shown";
    private static final String EIP = "198.51.100.50";

    private static StandinTls tls;

    @TempDir
    Path tmp;

    private final Map<String, String> env = new HashMap<>();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    @BeforeAll
    static void certificate() throws Exception {
        tls = StandinTls.selfSigned(StandinTls.DEFAULT_NAMES);
    }

    @AfterEach
    void logAsTheOtherTestsDo() {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
    }

    @Test
    void attachOverHttpsWithTheStandinsCaFile() throws Exception {
        try (StandinServer standin = standin()) {
            String self = standin.state().addInstance("self", "127.0.0.1", "exoip").id();
            Path ca = tmp.resolve("standin-ca.pem");
            tls.writeCertificate(ca);
            env.put("IF_EXOSCALE_API_CA_FILE", ca.toString());
            assertEquals(0, attach(standin, self), err());
            assertEquals(Set.of(self), standin.state().holders(standin.state().findElasticIp(EIP).orElseThrow().id()));
        }
    }

    @Test
    void withoutTheCaFileAttachFailsAtOnceSayingHowToTrustIt() throws Exception {
        try (StandinServer standin = standin()) {
            String self = standin.state().addInstance("self", "127.0.0.1", "exoip").id();
            assertEquals(1, attach(standin, self));
            String host = "127.0.0.1:" + standin.address().getPort();
            List<String> errors = outBytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("ERROR"))
                    .toList();
            assertEquals(1, errors.size(), out());
            assertTrue(errors.get(0).contains("TLS certificate of " + host + " is not trusted")
                    && errors.get(0).contains("--api-ca-file"), errors.get(0));
            assertEquals(1, standin.tlsConnections(), "one try, no retry");
            assertTrue(standin.state().holders(standin.state().findElasticIp(EIP).orElseThrow().id()).isEmpty());
        }
    }

    @Test
    void aMissingCaFileIsAUsageErrorNamingTheOptionAndTheFile() {
        Path missing = tmp.resolve("missing.pem");
        assertEquals(2, check("--api-ca-file", missing.toString()));
        assertTrue(err().startsWith("exoip: Invalid value for option '--api-ca-file': " + missing
                + ": no such file (expected a PEM file of CA certificates)"), err());
    }

    @Test
    void aCaFileThatIsNotPemIsAUsageErrorNamingTheVariable() throws Exception {
        Path text = Files.writeString(tmp.resolve("ca.txt"), "not a certificate\n");
        env.put("IF_EXOSCALE_API_CA_FILE", text.toString());
        assertEquals(2, check());
        assertTrue(err().startsWith("exoip: Invalid value for IF_EXOSCALE_API_CA_FILE (from the environment): " + text
                + ": not a PEM certificate file"), err());
        assertFalse(err().contains("Exception"), err());
    }

    private StandinServer standin() throws Exception {
        StandinServer standin = StandinServer.builder().tls(tls)
                .start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        standin.state().addCredential(KEY, SECRET);
        standin.state().addElasticIp(EIP);
        return standin;
    }

    private int attach(StandinServer standin, String self) {
        return execute(new ExoscaleConnector(), "-A", "-O", "-xi", EIP, "-xk", KEY, "-xs", SECRET,
                "-xe", standin.apiBase().toString(), "-i", self);
    }

    private int check(String... more) {
        List<String> args = new ArrayList<>(List.of("-n", "-A", "-xi", EIP, "-xk", KEY, "-xs", SECRET));
        args.addAll(List.of(more));
        return execute((config, known) -> {
            throw new AssertionError("-n contacts nothing");
        }, args.toArray(String[]::new));
    }

    private int execute(CloudConnector connector, String... args) {
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        return ExoipCommand.commandLine(env, connector, SignalInstaller.NONE, out, err).execute(args);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }
}

package org.exoip.exoscale.standin;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.exoip.exoscale.TrustedCertificates;

/**
 * The stand-in's HTTPS identity: a certificate chain and its key, from PEM files or made at start.
 * Java 17 has no public API to make a certificate, so a self-signed one is made by the JDK's own
 * {@code keytool} (in every JDK, next to {@code java}) rather than by a new dependency.
 *
 * @param context     the server's TLS context
 * @param certificate the server's certificate, which a client of a self-signed stand-in trusts
 */
public record StandinTls(SSLContext context, X509Certificate certificate) {

    /** The names a self-signed certificate is for unless told otherwise. */
    public static final List<String> DEFAULT_NAMES = List.of("127.0.0.1", "localhost");

    static final char[] PASSWORD = "standin".toCharArray();
    static final String ALIAS = "standin";
    private static final Pattern KEY_BLOCK = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    /** Writes the certificate as PEM to {@code file}, for clients to trust ({@code --api-ca-file}). */
    public void writeCertificate(Path file) throws IOException {
        Files.writeString(file, TrustedCertificates.pem(certificate), StandardCharsets.US_ASCII);
    }

    /**
     * A new self-signed certificate for {@code names} (IP literals become IP subject alternative
     * names, the rest DNS names), valid 30 days; made with keytool in a temporary directory.
     *
     * @throws IOException when keytool cannot be run or fails, with its output
     */
    public static StandinTls selfSigned(List<String> names) throws IOException {
        KeyStore keys = keytool(names);
        try {
            return of(keys, (X509Certificate) keys.getCertificate(ALIAS));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the certificate keytool made: " + e.getMessage(), e);
        }
    }

    /** A key store (password {@link #PASSWORD}) holding a new self-signed key pair under {@link #ALIAS}. */
    static KeyStore keytool(List<String> names) throws IOException {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one name");
        }
        List<String> san = new ArrayList<>();
        for (String name : names) {
            san.add((isIpLiteral(name) ? "ip:" : "dns:") + name);
        }
        Path dir = Files.createTempDirectory("exoip-standin-tls");
        try {
            Path store = dir.resolve("standin.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                    "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "30",
                    "-dname", "CN=exoip standin", "-ext", "san=" + String.join(",", san),
                    "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException("keytool could not make a certificate: " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, PASSWORD);
            }
            return keys;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool made a certificate", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the certificate keytool made: " + e.getMessage(), e);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * The certificate chain of {@code certificateFile} (PEM, the server's first) with the key of
     * {@code keyFile} (PEM PKCS#8, {@code BEGIN PRIVATE KEY}, unencrypted; RSA, EC or Ed25519).
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static StandinTls fromPem(Path certificateFile, Path keyFile) {
        List<X509Certificate> chain = TrustedCertificates.read(certificateFile);
        PrivateKey key = privateKey(keyFile);
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry(ALIAS, key, PASSWORD, chain.toArray(new X509Certificate[0]));
            return of(keys, chain.get(0));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(keyFile + ": the key does not go with the certificate of "
                    + certificateFile + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path keyFile) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalArgumentException(keyFile + ": cannot be read (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        }
        Matcher block = KEY_BLOCK.matcher(text);
        if (!block.find()) {
            throw new IllegalArgumentException(keyFile + ": no unencrypted PKCS#8 key in it (expected a '-----BEGIN "
                    + "PRIVATE KEY-----' block; convert with 'openssl pkcs8 -topk8 -nocrypt')");
        }
        byte[] der = Base64.getMimeDecoder().decode(block.group(1));
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // Not this algorithm: try the next.
            }
        }
        throw new IllegalArgumentException(keyFile + ": the key is not an RSA, EC or Ed25519 key");
    }

    private static StandinTls of(KeyStore keys, X509Certificate certificate) throws GeneralSecurityException {
        KeyManagerFactory managers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        managers.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(managers.getKeyManagers(), null, null);
        return new StandinTls(context, certificate);
    }

    private static boolean isIpLiteral(String name) {
        if (!name.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;
        }
        try {
            InetAddress.getByName(name); // a literal: no lookup
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

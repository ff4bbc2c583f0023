package org.exoip.exoscale;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificate authorities of a PEM file ({@code --api-ca-file}), trusted instead of the JDK's
 * default trust store, as curl's {@code --cacert} does: a private endpoint's CA vouches for that
 * endpoint only, and a file that names exactly what is trusted is easier to audit. Stateless.
 */
public final class TrustedCertificates {

    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

    private TrustedCertificates() {
    }

    /**
     * A TLS context that trusts exactly the certificates in {@code pemFile}.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it: missing,
     *     unreadable, no PEM certificate in it, or a certificate that does not parse
     */
    public static SSLContext sslContext(Path pemFile) {
        List<X509Certificate> certificates = read(pemFile);
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < certificates.size(); i++) {
                store.setCertificateEntry("ca-" + i, certificates.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(pemFile + ": cannot make a trust store of its certificates: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The JDK's default TLS context, its trust store loaded: {@code javax.net.ssl.trustStore} when
     * set, else the JDK's {@code cacerts}.
     *
     * @throws IllegalStateException naming the trust store when it does not exist or does not load
     *     (the JDK would say {@code NoSuchAlgorithmException: Error constructing implementation}, or
     *     for a missing file trust nothing and refuse every certificate)
     */
    public static SSLContext jdkDefault() {
        String store = System.getProperty("javax.net.ssl.trustStore");
        String named = store == null ? "the JDK's trust store" : "the trust store javax.net.ssl.trustStore=" + store;
        if (store != null && !store.isEmpty() && !"NONE".equals(store) && !Files.isRegularFile(Path.of(store))) {
            throw new IllegalStateException(named + " does not exist");
        }
        try {
            return SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            Throwable deepest = e;
            while (deepest.getCause() != null && deepest.getCause() != deepest) {
                deepest = deepest.getCause();
            }
            throw new IllegalStateException(named + " does not load: " + deepest.getMessage()
                    + " (check the file and javax.net.ssl.trustStorePassword / trustStoreType)", e);
        }
    }

    /** The X.509 certificates in a PEM file, in order; at least one. */
    public static List<X509Certificate> read(Path pemFile) {
        String text;
        try {
            text = Files.readString(pemFile, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(pemFile + ": no such file (expected a PEM file of CA certificates)");
        } catch (IOException e) {
            throw new IllegalArgumentException(pemFile + ": cannot be read: " + e.getMessage());
        }
        if (!text.contains(BEGIN)) {
            throw new IllegalArgumentException(pemFile + ": not a PEM certificate file (expected one or more '"
                    + BEGIN + "' blocks)");
        }
        try {
            Collection<? extends Certificate> parsed = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : parsed) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new CertificateException("no certificate found");
            }
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException(pemFile + ": a certificate in it does not parse (" + e.getMessage()
                    + "; expected PEM X.509 certificates)");
        }
    }

    /** {@code certificate} as a PEM block, for clients to trust (the stand-in writes its own out). */
    public static String pem(Certificate certificate) {
        try {
            return BEGIN + "\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode certificate: " + e.getMessage(), e);
        }
    }
}

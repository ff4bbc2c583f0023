package org.exoip.exoscale;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Reads this instance's identity from the Exoscale metadata server
 * ({@code http://169.254.169.254/latest/meta-data/<key>}): the bare value as the body, which we
 * check (status 200), trim and validate, because a proxy or captive portal may answer with HTML.
 *
 * <p>No retries here: at start-up the caller decides whether to try again ({@link
 * ExoscaleException#retryable()}). Thread-safe; every method blocks for at most the timeout.
 */
public final class MetadataClient {

    /** Where Exoscale instances find their metadata. */
    public static final URI DEFAULT_BASE = URI.create("http://169.254.169.254/latest/meta-data");

    /** How many characters of an unexpected answer an error message quotes. */
    static final int QUOTE_LENGTH = 60;

    /** The values are a few dozen bytes; anything longer is not what we asked for. */
    private static final int MAX_BODY = 4096;

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;

    private MetadataClient(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** A builder; the defaults read the real metadata server with a 3 s timeout. */
    public static Builder builder() {
        return new Builder();
    }

    /** The base URL the keys are appended to. */
    public URI base() {
        return base;
    }

    /** {@code instance-id}: this instance's v2 UUID. */
    public UUID instanceId() throws ExoscaleException {
        return read("instance-id", "the instance's UUID", MetadataClient::uuid);
    }

    /** {@code availability-zone}: the zone name, e.g. {@code ch-gva-2}. */
    public String availabilityZone() throws ExoscaleException {
        return read("availability-zone", "a zone name such as ch-gva-2", MetadataClient::zone);
    }

    /** {@code public-ipv4}: this instance's public IPv4 address. */
    public Inet4Address publicIpv4() throws ExoscaleException {
        return read("public-ipv4", "an IPv4 address", Ipv4::parse);
    }

    // The value checks are pure functions of the stripped body, package-private for the fuzz tests.

    static Optional<String> zone(String text) {
        return ExoscaleClient.ZONE.matcher(text).matches() ? Optional.of(text) : Optional.empty();
    }

    static Optional<UUID> uuid(String text) {
        // UUID.fromString accepts forms like "1-2-3-4-5"; insist on the canonical 36 characters.
        if (text.length() != 36) {
            return Optional.empty();
        }
        try {
            UUID uuid = UUID.fromString(text);
            // Nor 36 characters in other groups: "1128bd5d56-b4d9-4ac6-a7b9-c7b187ce11" parses, as
            // another id (found by ParsersFuzzTest). Canonical means it prints back as it came.
            return uuid.toString().equalsIgnoreCase(text) ? Optional.of(uuid) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private <T> T read(String key, String expected, Function<String, Optional<T>> parse) throws ExoscaleException {
        URI uri = URI.create(base + "/" + key);
        String what = "read " + uri;
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        HttpResponse<InputStream> response;
        String body;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(MAX_BODY), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            String hint = NetworkFailure.beforeConnection(e) ? "; is this an Exoscale instance?" : "";
            throw new ExoscaleException(what, NetworkFailure.describe(e, uri, false, timeout, timeout)
                    + " (expected: " + expected + hint + ")", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExoscaleException(what, "interrupted", false, e);
        }
        int status = response.statusCode();
        if (status != 200) {
            String got = body.isBlank() ? "" : " " + quote(body);
            throw new ExoscaleException(what, status, "answer" + got + " (expected: 200 with " + expected + ")",
                    status >= 500, null, null);
        }
        String text = body.strip();
        return parse.apply(text).orElseThrow(() -> new ExoscaleException(what, status,
                "answer " + quote(body) + " (expected: " + expected + ")", false, null, null));
    }

    /** At most {@link #QUOTE_LENGTH} characters of {@code text}, quoted, on one line. */
    static String quote(String text) {
        String flat = text.strip().replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        String cut = flat.length() <= QUOTE_LENGTH ? flat : flat.substring(0, QUOTE_LENGTH) + "…";
        return "\"" + cut + "\"";
    }

    @Override
    public String toString() {
        return "MetadataClient[" + base + "]";
    }

    /** Settings of a {@link MetadataClient}. */
    public static final class Builder {

        private URI base = DEFAULT_BASE;
        private Duration timeout = Duration.ofSeconds(3);

        private Builder() {
        }

        /** The URL the keys are appended to; default {@link #DEFAULT_BASE}. Tests use loopback. */
        public Builder base(URI base) {
            Objects.requireNonNull(base, "base");
            String scheme = base.getScheme();
            if (!("http".equals(scheme) || "https".equals(scheme)) || base.getHost() == null) {
                throw new IllegalArgumentException("metadata base must be an http(s) URL, got " + base);
            }
            String text = base.toString();
            this.base = text.endsWith("/") ? URI.create(text.substring(0, text.length() - 1)) : base;
            return this;
        }

        /** Connect and answer timeout of each read; default 3 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("metadata timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public MetadataClient build() {
            return new MetadataClient(base, timeout);
        }
    }
}

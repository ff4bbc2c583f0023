package org.exoip.exoscale.standin;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.exoip.exoscale.RequestSigner;

/**
 * Checks an {@code EXO2-HMAC-SHA256} {@code Authorization} header the way the API does, by
 * recomputing the signature with {@link RequestSigner}.
 *
 * <p>Pure apart from the clock and the key lookup; thread-safe. Refusal messages never contain a
 * secret nor the expected signature.
 */
final class SignatureVerifier {

    /** The prefix of every refusal, as the real API words it. */
    static final String INVALID = "Invalid request signature";

    private static final Set<String> PARTS = Set.of("credential", "signed-query-args", "expires", "signature");

    private final Function<String, Optional<String>> secretOfKey;
    private final StandinClock clock;

    SignatureVerifier(Function<String, Optional<String>> secretOfKey, StandinClock clock) {
        this.secretOfKey = secretOfKey;
        this.clock = clock;
    }

    /**
     * Why the request must be refused, or empty if its signature is genuine and current.
     *
     * @param uri           the request URI as received: its raw path and raw query are what was signed
     * @param authorization the {@code Authorization} header, or null
     */
    Optional<String> refusal(String method, URI uri, byte[] body, String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return refuse("missing Authorization header");
        }
        String prefix = RequestSigner.SCHEME + " ";
        if (!authorization.startsWith(prefix)) {
            return refuse("Authorization header does not start with " + prefix.trim());
        }
        Map<String, String> parts = new HashMap<>();
        for (String part : authorization.substring(prefix.length()).split(",", -1)) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            if (eq <= 0 || eq == part.length() - 1 || !PARTS.contains(name) || parts.put(name, part.substring(eq + 1)) != null) {
                return refuse("malformed Authorization header (expected credential=...,[signed-query-args=...,]"
                        + "expires=...,signature=...)");
            }
        }
        if (!parts.containsKey("credential") || !parts.containsKey("expires") || !parts.containsKey("signature")) {
            return refuse("Authorization header lacks credential, expires or signature");
        }
        long expires;
        try {
            expires = Long.parseLong(parts.get("expires"));
        } catch (NumberFormatException e) {
            return refuse("expires is not a number of Unix seconds");
        }
        Map<String, String> query = RequestSigner.decodeQuery(uri.getRawQuery());
        Set<String> signedNames = parts.containsKey("signed-query-args")
                ? new TreeSet<>(Arrays.asList(parts.get("signed-query-args").split(";")))
                : Set.of();
        if (!signedNames.equals(query.keySet())) {
            return refuse("signed-query-args do not name the query parameters " + query.keySet());
        }
        Optional<String> secret = secretOfKey.apply(parts.get("credential"));
        if (secret.isEmpty()) {
            return refuse("unknown API key");
        }
        String expected = new RequestSigner(parts.get("credential"), secret.get())
                .signature(RequestSigner.message(method, uri.getRawPath(), body, query, expires));
        // Constant time, so a client cannot learn the signature byte by byte from response times.
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                parts.get("signature").getBytes(StandardCharsets.UTF_8))) {
            return refuse("signature does not match the request");
        }
        if (expires < clock.now().getEpochSecond()) {
            return Optional.of("request signature expired");
        }
        return Optional.empty();
    }

    private static Optional<String> refuse(String detail) {
        return Optional.of(INVALID + ": " + detail);
    }
}

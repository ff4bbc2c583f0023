package org.exoip.exoscale;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs Exoscale API v2 requests with {@code EXO2-HMAC-SHA256}.
 *
 * <p>The signed message is five segments joined by {@code \n}: {@code METHOD path}, the body as
 * sent, the decoded query values sorted by name, an empty segment (signed headers), the expiry.
 * Thread-safe: holds no mutable state. {@link #toString()} never shows the secret.
 */
public final class RequestSigner {

    /** The scheme name that starts the {@code Authorization} header. */
    public static final String SCHEME = "EXO2-HMAC-SHA256";

    /** How long a signature stays valid, as the reference SDKs do. */
    public static final long VALIDITY_SECONDS = 600;

    private final String apiKey;
    private final SecretKeySpec secret;

    public RequestSigner(String apiKey, String apiSecret) {
        this.apiKey = requireText(apiKey, "API key");
        this.secret = new SecretKeySpec(
                requireText(apiSecret, "API secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String apiKey() {
        return apiKey;
    }

    /**
     * The {@code Authorization} header value for a request.
     *
     * @param method  HTTP method, upper case
     * @param uri     the request URI as sent; its raw path (with {@code /v2}) and raw query are used
     * @param body    the body bytes as sent, or an empty array
     * @param expires Unix seconds after which the signature is refused
     */
    public String authorization(String method, URI uri, byte[] body, long expires) {
        Map<String, String> query = decodeQuery(uri.getRawQuery());
        String signature = signature(message(method, uri.getRawPath(), body, query, expires));
        StringBuilder header = new StringBuilder(SCHEME).append(" credential=").append(apiKey);
        if (!query.isEmpty()) {
            header.append(",signed-query-args=").append(String.join(";", query.keySet()));
        }
        return header.append(",expires=").append(expires).append(",signature=").append(signature).toString();
    }

    /** Base64 of HMAC-SHA256 over {@code message}, with this signer's secret. */
    public String signature(String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return Base64.getEncoder().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    /** The message that is signed, exactly as the reference page defines it. */
    public static String message(String method, String rawPath, byte[] body, Map<String, String> sortedQuery,
            long expires) {
        return method + " " + rawPath + "\n"
                + new String(body, StandardCharsets.UTF_8) + "\n"
                + String.join("", sortedQuery.values()) + "\n"
                + "\n"
                + expires;
    }

    /** Query parameters of a raw query string, values decoded, sorted by name; empty for none. */
    public static Map<String, String> decodeQuery(String rawQuery) {
        Map<String, String> params = new TreeMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.put(name, value);
        }
        return params;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        return value;
    }

    @Override
    public String toString() {
        return "RequestSigner[key=" + apiKey + ", secret=***]";
    }
}

package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SigningInterceptorTest {

    private static final RequestSigner SIGNER = new RequestSigner("EXOkey", "the-secret");
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_750_000_000L), ZoneOffset.UTC);

    @Test
    void signsTheBodyBytesAndFullPathAsSent() {
        byte[] body = "{\"instance\":{\"id\":\"0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a\"}}".getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create("http://127.0.0.1:8080/v2/elastic-ip/11111111-2222-3333-4444-555555555555:attach");
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .method("PUT", HttpRequest.BodyPublishers.ofByteArray(body));

        new SigningInterceptor(SIGNER, CLOCK).accept(builder);

        HttpRequest signed = builder.build();
        assertEquals(SIGNER.authorization("PUT", uri, body, 1_750_000_600L),
                signed.headers().firstValue("Authorization").orElseThrow());
        // The body is still there, unchanged, for the client to send.
        assertArrayEquals(body, SigningInterceptor.bodyOf(signed));
    }

    @Test
    void signsTheRawQueryOfAGetWithoutBody() {
        URI uri = URI.create("http://127.0.0.1:8080/v2/instance?ip-address=198.51.100.50&labels=a%20b");
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).method("GET", HttpRequest.BodyPublishers.noBody());

        new SigningInterceptor(SIGNER, CLOCK).accept(builder);

        String header = builder.build().headers().firstValue("Authorization").orElseThrow();
        assertEquals(SIGNER.authorization("GET", uri, new byte[0], 1_750_000_600L), header);
        assertEquals(true, header.contains("signed-query-args=ip-address;labels"));
    }

    @Test
    void resigningReplacesTheHeader() {
        URI uri = URI.create("http://127.0.0.1:8080/v2/elastic-ip");
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET();
        SigningInterceptor interceptor = new SigningInterceptor(SIGNER, CLOCK);
        interceptor.accept(builder);
        interceptor.accept(builder);
        assertEquals(1, builder.build().headers().allValues("Authorization").size());
    }
}

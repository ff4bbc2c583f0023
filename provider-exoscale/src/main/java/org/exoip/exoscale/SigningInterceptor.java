package org.exoip.exoscale;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Adds the {@code EXO2-HMAC-SHA256} {@code Authorization} header to a request of the generated
 * client, as its request interceptor.
 *
 * <p>The generated code has already set the final URI and body when it calls the interceptor, but
 * a builder does not expose its body. So we build a snapshot of the request and read the
 * snapshot's body publisher: the generated code uses {@code BodyPublishers.ofByteArray}, which
 * can be subscribed to any number of times and yields the very bytes the client then sends.
 * Thread-safe; called on the thread that makes the API call.
 */
final class SigningInterceptor implements Consumer<HttpRequest.Builder> {

    private volatile RequestSigner signer;
    private final Clock clock;

    SigningInterceptor(RequestSigner signer, Clock clock) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Signs the requests from now on with {@code next} (a rotated secret); any thread. */
    void use(RequestSigner next) {
        signer = Objects.requireNonNull(next, "signer");
    }

    @Override
    public void accept(HttpRequest.Builder builder) {
        HttpRequest snapshot = builder.build();
        long expires = clock.instant().getEpochSecond() + RequestSigner.VALIDITY_SECONDS;
        builder.setHeader("Authorization",
                signer.authorization(snapshot.method(), snapshot.uri(), bodyOf(snapshot), expires));
    }

    /** The bytes {@code request}'s body publisher yields; empty when it has no body. */
    static byte[] bodyOf(HttpRequest request) {
        Optional<HttpRequest.BodyPublisher> publisher = request.bodyPublisher();
        if (publisher.isEmpty() || publisher.get().contentLength() == 0) {
            return new byte[0];
        }
        CompletableFuture<byte[]> body = new CompletableFuture<>();
        publisher.get().subscribe(new Flow.Subscriber<ByteBuffer>() {
            private final ByteArrayOutputStream out = new ByteArrayOutputStream();

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer chunk) {
                byte[] bytes = new byte[chunk.remaining()];
                chunk.get(bytes);
                out.write(bytes, 0, bytes.length);
            }

            @Override
            public void onError(Throwable failure) {
                body.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                body.complete(out.toByteArray());
            }
        });
        try {
            // An in-memory publisher completes during subscribe; the bound only guards against a
            // publisher that never would, which would be a bug in how the request was built.
            return body.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the request body to sign it", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the request body to sign it", e);
        }
    }
}

package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimedElasticIpProviderTest {

    private static final UUID ID = UUID.fromString("00000000-0000-4000-8000-000000000001");

    /** A cloud whose calls hang until released, as a stuck connection would. */
    private static final class HangingProvider implements ElasticIpProvider {
        final CountDownLatch release = new CountDownLatch(1);
        /** Counted down when a call has reached this cloud (and hangs in it). */
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public Set<UUID> holders() {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Set.of();
        }

        @Override
        public void attach(UUID instance) {
            holders();
        }

        @Override
        public void detach(UUID instance) {
            holders();
        }
    }

    @Test
    void aHungCallFailsRetryablyAfterTheTimeout() {
        HangingProvider hanging = new HangingProvider();
        try (TimedElasticIpProvider timed = new TimedElasticIpProvider(hanging, Duration.ofMillis(50), Thread::new)) {
            CloudException e = assertThrows(CloudException.class, () -> timed.attach(ID));
            assertTrue(e.retryable());
            assertEquals("attach the Elastic IP to " + ID + " failed: not done within 50 ms, the API timeout (0 tries, abandoned)",
                    e.getMessage());
        } finally {
            hanging.release.countDown();
        }
    }

    /** A call of the provider that may throw what providers throw. */
    @FunctionalInterface
    private interface Call<T> {
        T run() throws CloudException;
    }

    /** Runs {@code call} on another thread; its CloudException comes back as the cause of a CompletionException. */
    private static <T> CompletableFuture<T> inBackground(Call<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.run();
            } catch (CloudException e) {
                throw new CompletionException(e);
            }
        });
    }

    @Test
    void anAbandonedReadFailsAtOnceAndTheNextOneIsAnswered() throws Exception {
        HangingProvider hanging = new HangingProvider();
        try (TimedElasticIpProvider timed = new TimedElasticIpProvider(hanging, Duration.ofHours(1), Thread::new)) {
            CompletableFuture<Set<UUID>> read = inBackground(timed::holders);
            assertTrue(hanging.entered.await(10, TimeUnit.SECONDS), "the read never reached the cloud");
            timed.abandonRead();
            CompletionException failed = assertThrows(CompletionException.class, read::join);
            assertTrue(failed.getCause() instanceof AbandonedCallException, failed.toString());
            assertEquals("list the Elastic IP's holders abandoned for a fresh one", failed.getCause().getMessage());
            hanging.release.countDown();
            assertEquals(Set.of(), timed.holders());
        } finally {
            hanging.release.countDown();
        }
    }

    @Test
    void aWriteInFlightIsNeverAbandoned() throws Exception {
        HangingProvider hanging = new HangingProvider();
        try (TimedElasticIpProvider timed = new TimedElasticIpProvider(hanging, Duration.ofHours(1), Thread::new)) {
            CompletableFuture<Void> write = inBackground(() -> {
                timed.attach(ID);
                return null;
            });
            assertTrue(hanging.entered.await(10, TimeUnit.SECONDS), "the write never reached the cloud");
            timed.abandonRead();
            hanging.release.countDown();
            write.join(); // completes normally: the abandon did not touch it
        } finally {
            hanging.release.countDown();
        }
    }

    @Test
    void aFailureOfTheDelegateComesThroughUnchanged() throws Exception {
        InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
        try (TimedElasticIpProvider timed = new TimedElasticIpProvider(cloud, Duration.ofSeconds(5), Thread::new)) {
            cloud.failNext(1);
            CloudException e = assertThrows(CloudException.class, timed::holders);
            assertEquals("list holders failed: injected failure", e.getMessage());
            timed.attach(ID);
            assertEquals(Set.of(ID), timed.holders());
            assertFalse(cloud.journal().isEmpty());
        }
    }
}

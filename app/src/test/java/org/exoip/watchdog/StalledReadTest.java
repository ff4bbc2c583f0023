package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.TimedElasticIpProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler on its own thread, behind the timed provider as in the engine, when a read of
 * the holders stalls: a cut network lost its request, and TCP will only retransmit seconds after
 * the cut heals. A recheck, a new decision or a hand-over must not wait for it.
 */
class StalledReadTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID PEER = UUID.fromString("00000000-0000-4000-8000-000000000002");
    /** Far beyond the deadline of the checks: a pass that waits out the stalled read fails them. */
    private static final Duration API_TIMEOUT = Duration.ofHours(1);
    private static final long DEADLINE_SECONDS = 10;

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final StallingProvider stalling = new StallingProvider(cloud);
    private final TimedElasticIpProvider timed = new TimedElasticIpProvider(stalling, API_TIMEOUT, Thread::new);
    private final CloudReconciler reconciler = new CloudReconciler(timed, SELF, Duration.ofHours(1),
            new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0.0), System::nanoTime, Thread::new);

    /** Answers from the in-memory cloud, but the read that {@link #stallNextRead} marks hangs until interrupted. */
    private static final class StallingProvider implements ElasticIpProvider {
        private final InMemoryElasticIpProvider cloud;
        private final AtomicInteger stallRead = new AtomicInteger(-1);
        private final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch stalled = new CountDownLatch(1);

        StallingProvider(InMemoryElasticIpProvider cloud) {
            this.cloud = cloud;
        }

        void stallNextRead() {
            stallRead.set(reads.get());
        }

        @Override
        public Set<UUID> holders() throws CloudException {
            if (reads.getAndIncrement() == stallRead.get()) {
                stalled.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    throw new CloudException("list holders failed: interrupted", true);
                }
            }
            return cloud.holders();
        }

        @Override
        public void attach(UUID instance) throws CloudException {
            cloud.attach(instance);
        }

        @Override
        public void detach(UUID instance) throws CloudException {
            cloud.detach(instance);
        }
    }

    @AfterEach
    void stop() {
        reconciler.close();
        timed.close();
    }

    private void awaitHolders(Set<UUID> expected, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
        while (!cloud.currentHolders().equals(expected)) {
            assertTrue(System.nanoTime() < end, what + ": holders still " + cloud.currentHolders());
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    /** A master holding the Elastic IP alone, whose reconciler is stuck in a read. */
    private void masterWithAStalledRead() throws InterruptedException {
        reconciler.start();
        reconciler.decide(new Decision(Role.MASTER, SELF, SELF));
        awaitHolders(Set.of(SELF), "the new master attaches");
        stalling.stallNextRead();
        reconciler.recheck("a test: the next read stalls");
        assertTrue(stalling.stalled.await(DEADLINE_SECONDS, TimeUnit.SECONDS), "the read never started");
    }

    @Test
    void aRecheckAbandonsTheStalledReadAndRepairsAtOnce() throws Exception {
        masterWithAStalledRead();
        cloud.setHolders(Set.of(SELF, PEER)); // the partitioned peer took it meanwhile
        reconciler.recheck("a test: the peer is back");
        awaitHolders(Set.of(SELF), "the recheck detaches the peer");
    }

    @Test
    void aNewDecisionDoesNotWaitForTheStalledRead() throws Exception {
        cloud.setHolders(Set.of(PEER));
        reconciler.start();
        stalling.stallNextRead();
        reconciler.decide(new Decision(Role.BACKUP, SELF, PEER));
        assertTrue(stalling.stalled.await(DEADLINE_SECONDS, TimeUnit.SECONDS), "the read never started");
        reconciler.decide(new Decision(Role.MASTER, SELF, SELF)); // the peer died meanwhile
        awaitHolders(Set.of(SELF), "the new master takes over");
    }

    @Test
    void aHandOverDoesNotWaitForTheStalledRead() throws Exception {
        masterWithAStalledRead();
        assertEquals(true, reconciler.handOver(false, Duration.ofSeconds(1)).get(DEADLINE_SECONDS, TimeUnit.SECONDS));
        assertEquals(Set.of(), cloud.currentHolders());
    }
}

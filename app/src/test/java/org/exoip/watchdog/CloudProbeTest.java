package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.junit.jupiter.api.Test;

/** The keep-warm probe's readiness, probe by probe, on an injected clock. */
class CloudProbeTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(5_000 * MS);
    /** What the next probe does: null succeeds, else it throws this. */
    private final AtomicReference<CloudException> next = new AtomicReference<>();

    private final ElasticIpProvider cloud = new ElasticIpProvider() {
        @Override
        public void probe() throws CloudException {
            now.addAndGet(35 * MS); // the probe's round trip
            CloudException failure = next.get();
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public Set<UUID> holders() {
            throw new AssertionError("the probe reads nothing else");
        }

        @Override
        public void attach(UUID instance) {
            throw new AssertionError("the probe never writes");
        }

        @Override
        public void detach(UUID instance) {
            throw new AssertionError("the probe never writes");
        }
    };

    private final CloudProbe probe = new CloudProbe(cloud, Duration.ofSeconds(15), now::get, Thread::new);

    @Test
    void notReadyUntilTheFirstProbeSucceeds() {
        CloudProbe.Readiness before = probe.readiness();
        assertFalse(before.ready());
        assertEquals("NOT READY: not proven yet", before.describe(now.get()));

        probe.probeOnce();
        CloudProbe.Readiness after = probe.readiness();
        assertTrue(after.ready());
        assertEquals(35 * MS, after.latencyNanos());
        now.addAndGet(3_000 * MS);
        assertEquals("ready, proven 3.000s ago in 0.035s", probe.readiness().describe(now.get()));
    }

    @Test
    void aFailedProbeSaysWhySinceWhenAndAfterSuccessIsReadyAgain() {
        probe.probeOnce();
        next.set(new CloudException("read Elastic IP 198.51.100.50 failed: 403 forbidden", false));
        probe.probeOnce();
        long failedAt = now.get();
        now.addAndGet(15_000 * MS);
        probe.probeOnce(); // fails again: still "since" the first failure
        CloudProbe.Readiness failing = probe.readiness();
        assertFalse(failing.ready());
        assertEquals(failedAt, failing.sinceNanos());
        now.addAndGet(1_000 * MS);
        assertEquals("NOT READY for 16.035s (last probe 1.000s ago in 0.035s): read Elastic IP 198.51.100.50 failed: "
                + "403 forbidden", failing.describe(now.get()));

        next.set(null);
        probe.probeOnce();
        assertTrue(probe.readiness().ready());
        assertEquals(now.get(), probe.readiness().sinceNanos());
    }

    @Test
    void aPeriodOfZeroIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new CloudProbe(cloud, Duration.ZERO, now::get, Thread::new));
        assertEquals("probe period must be positive, got PT0S", e.getMessage());
    }
}

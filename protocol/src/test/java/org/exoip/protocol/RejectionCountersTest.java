package org.exoip.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RejectionCountersTest {

    @Test
    void startsAtZeroForEveryReason() {
        RejectionCounters counters = new RejectionCounters();
        Map<RejectReason, Long> snapshot = counters.snapshot();
        assertEquals(RejectReason.values().length, snapshot.size());
        snapshot.values().forEach(count -> assertEquals(0L, count));
        assertEquals(0, counters.total());
    }

    @Test
    void countsPerReason() {
        RejectionCounters counters = new RejectionCounters();
        counters.increment(RejectReason.LENGTH);
        counters.increment(RejectReason.LENGTH);
        counters.increment(RejectReason.OTHER_ELASTIC_IP);

        assertEquals(2, counters.count(RejectReason.LENGTH));
        assertEquals(1, counters.count(RejectReason.OTHER_ELASTIC_IP));
        assertEquals(0, counters.count(RejectReason.VERSION));
        assertEquals(3, counters.total());
        assertEquals(2L, counters.snapshot().get(RejectReason.LENGTH));
    }

    @Test
    void snapshotIsAnUnmodifiableCopy() {
        RejectionCounters counters = new RejectionCounters();
        Map<RejectReason, Long> before = counters.snapshot();
        counters.increment(RejectReason.VERSION);
        assertEquals(0L, before.get(RejectReason.VERSION));
        assertThrows(UnsupportedOperationException.class, () -> before.put(RejectReason.VERSION, 5L));
    }

    @Test
    void countsEveryIncrementFromManyThreads() throws Exception {
        RejectionCounters counters = new RejectionCounters();
        int threads = 4;
        int perThread = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> {
                    for (int i = 0; i < perThread; i++) {
                        counters.increment(RejectReason.values()[i % RejectReason.values().length]);
                    }
                    return null;
                });
            }
            for (Future<Void> done : pool.invokeAll(tasks)) {
                done.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals((long) threads * perThread, counters.total());
    }
}

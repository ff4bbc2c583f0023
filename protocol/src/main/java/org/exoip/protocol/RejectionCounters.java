package org.exoip.protocol;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Thread-safe count of rejected datagrams per {@link RejectReason}, for metrics and {@code info}. */
public final class RejectionCounters {

    // Filled once for every reason and never changed structurally, so reads need no lock;
    // a reason added to the enum later is counted without touching this class.
    private final Map<RejectReason, LongAdder> counters = new EnumMap<>(RejectReason.class);

    public RejectionCounters() {
        for (RejectReason reason : RejectReason.values()) {
            counters.put(reason, new LongAdder());
        }
    }

    /** Counts one rejection; cheap and safe from any thread. */
    public void increment(RejectReason reason) {
        counters.get(reason).increment();
    }

    /** Rejections so far for {@code reason}. */
    public long count(RejectReason reason) {
        return counters.get(reason).sum();
    }

    /** Every reason, zeros included, in enum order; not atomic across reasons. */
    public Map<RejectReason, Long> snapshot() {
        Map<RejectReason, Long> copy = new EnumMap<>(RejectReason.class);
        counters.forEach((reason, adder) -> copy.put(reason, adder.sum()));
        return Collections.unmodifiableMap(copy);
    }

    /** Rejections so far, all reasons together. */
    public long total() {
        long total = 0;
        for (LongAdder adder : counters.values()) {
            total += adder.sum();
        }
        return total;
    }

    @Override
    public String toString() {
        return "RejectionCounters" + snapshot();
    }
}

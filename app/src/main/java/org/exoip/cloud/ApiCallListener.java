package org.exoip.cloud;

/**
 * Told of every cloud API call that {@link ObservedElasticIpProvider} makes, once it has ended.
 *
 * <p>Called on the thread that made the call (a cloud worker thread, never the event loop); must
 * be quick and must not throw.
 */
@FunctionalInterface
public interface ApiCallListener {

    /** Operation names, as they appear in logs and metrics. */
    String LIST = "list_holders";
    String ATTACH = "attach";
    String DETACH = "detach";
    String LIST_PEERS = "list_peers";
    String PROBE = "probe";
    String READ_CLAIM = "read_claim";
    String WRITE_CLAIM = "write_claim";

    /** How a call ended. */
    enum Outcome {
        SUCCESS, FAILURE;

        /** The label value: {@code success} or {@code failure}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param operation one of {@link #LIST}, {@link #ATTACH}, {@link #DETACH}, {@link #LIST_PEERS}, {@link #PROBE},
     *     {@link #READ_CLAIM}, {@link #WRITE_CLAIM}
     * @param instance the instance attached or detached; null for the listings
     * @param nanos how long the call took
     */
    void called(String operation, java.util.UUID instance, Outcome outcome, long nanos);

    /**
     * The same, for a call about {@code elasticIp} (null for a call about none, such as the peer
     * listing): a listener that keeps something per address overrides this one.
     */
    default void called(java.net.Inet4Address elasticIp, String operation, java.util.UUID instance, Outcome outcome,
            long nanos) {
        called(operation, instance, outcome, nanos);
    }

    /** A listener that does nothing. */
    ApiCallListener NONE = (operation, instance, outcome, nanos) -> { };
}

package org.exoip.protocol;

/** Why a received datagram was not accepted; each has a short label for metrics. */
public enum RejectReason {
    /** Not exactly {@link AdvertCodec#LENGTH} bytes. */
    LENGTH("length"),
    /** Version bytes other than {@code 02 01}. */
    VERSION("version"),
    /** The two priority bytes differ. */
    PRIORITY_MISMATCH("priority-mismatch"),
    /** A well-formed advert about an Elastic IP other than ours. */
    OTHER_ELASTIC_IP("other-elastic-ip");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    /** Short lowercase name, stable, fit for a metric label. */
    public String label() {
        return label;
    }
}

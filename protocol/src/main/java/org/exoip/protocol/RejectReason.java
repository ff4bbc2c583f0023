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
    OTHER_ELASTIC_IP("other-elastic-ip"),
    /** From an address that is not a peer, whatever it contains; checked before anything else. */
    UNKNOWN_SENDER("unknown-sender"),
    /** A plain 24-byte advert reaching a node that accepts only authenticated ones. */
    UNAUTHENTICATED("unauthenticated"),
    /** An authenticated advert whose tag matches none of the node's keys: forged or signed with another key. */
    BAD_TAG("bad-tag"),
    /** A correctly signed advert whose counter is not above the last one accepted from its sender. */
    REPLAY("replay"),
    /**
     * A valid advert carrying this node's own instance id from an address that is not this node's:
     * another node runs with the same id (a cloned image, a copied {@code -i}).
     */
    DUPLICATE_ID("duplicate-id"),
    /**
     * An unsigned hand-over request ({@code exoip handover}) from an address that is not this host's:
     * from elsewhere only signed requests are accepted.
     */
    UNSIGNED_REQUEST("unsigned-request");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    /** Short lowercase name, stable, fit for a metric label. */
    public String label() {
        return label;
    }
}

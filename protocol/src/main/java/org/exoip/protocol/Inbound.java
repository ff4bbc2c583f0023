package org.exoip.protocol;

import java.net.InetSocketAddress;

/** What one received datagram meant; {@link DatagramDecoder} emits exactly one per datagram. */
public sealed interface Inbound permits AdvertReceived, InfoRequested, HandoverRequested, DatagramRejected {

    /** The source address of the datagram, which is how a peer is recognised. */
    InetSocketAddress sender();
}

package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/** An advert to send to one peer; {@link AdvertEncoder} turns it into a datagram. */
public record OutboundAdvert(Advert advert, InetSocketAddress recipient) {

    public OutboundAdvert {
        Objects.requireNonNull(advert, "advert");
        Objects.requireNonNull(recipient, "recipient");
    }
}

package org.exoip.protocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/** A valid advert for our Elastic IP, from {@code sender}. */
public record AdvertReceived(InetSocketAddress sender, Advert advert) implements Inbound {

    public AdvertReceived {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(advert, "advert");
    }
}

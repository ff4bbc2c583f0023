package org.exoip.protocol;

import java.util.Objects;

/**
 * An authenticated advert whose tag was valid, with its sender's counter, not yet checked for replay.
 *
 * @param counter the sender's counter, unsigned 64 bits: it only grows, also across the sender's restarts
 */
public record SignedAdvert(Advert advert, long counter) {

    public SignedAdvert {
        Objects.requireNonNull(advert, "advert");
    }
}

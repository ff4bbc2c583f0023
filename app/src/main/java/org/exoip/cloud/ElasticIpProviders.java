package org.exoip.cloud;

import java.net.Inet4Address;
import java.util.Map;
import java.util.Objects;

/**
 * The cloud side of each Elastic IP a watchdog keeps: one {@link ElasticIpProvider} per address,
 * all sharing whatever they can (one API client, its connections and its id lookups).
 */
@FunctionalInterface
public interface ElasticIpProviders {

    /** The port for {@code address}, one of those kept; called once per address at start. */
    ElasticIpProvider forAddress(Inet4Address address);

    /** One provider for the one address kept (any other address is a programming error). */
    static ElasticIpProviders single(Inet4Address address, ElasticIpProvider provider) {
        Objects.requireNonNull(provider, "provider");
        return of(Map.of(address, provider));
    }

    /** A provider per address, as given. */
    static ElasticIpProviders of(Map<Inet4Address, ? extends ElasticIpProvider> providers) {
        Map<Inet4Address, ElasticIpProvider> copy = Map.copyOf(providers);
        return address -> {
            ElasticIpProvider provider = copy.get(address);
            if (provider == null) {
                throw new IllegalArgumentException("no provider for Elastic IP " + address.getHostAddress());
            }
            return provider;
        };
    }
}

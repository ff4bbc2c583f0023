package org.exoip.exoscale;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What exoip needs to know of an Exoscale compute instance.
 *
 * @param id             the instance's v2 UUID
 * @param name           its name, "" if the API gave none
 * @param publicIp       its public IPv4 address; empty for a private instance (or an address
 *                       that is not a dotted quad)
 * @param securityGroups the ids of the security groups it is in
 */
public record Instance(UUID id, String name, Optional<Inet4Address> publicIp, Set<UUID> securityGroups) {

    public Instance {
        Objects.requireNonNull(id, "id");
        name = name == null ? "" : name;
        Objects.requireNonNull(publicIp, "publicIp");
        securityGroups = Set.copyOf(securityGroups);
    }
}

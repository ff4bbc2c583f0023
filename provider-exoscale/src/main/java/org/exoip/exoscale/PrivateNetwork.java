package org.exoip.exoscale;

import java.net.Inet4Address;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What exoip needs to know of an Exoscale private network: which address its DHCP server leased
 * to which instance. Only a managed network (one with a start and end address) has leases.
 *
 * @param id     the network's UUID
 * @param name   its name, "" if the API gave none
 * @param leases instance id to the IPv4 address leased to it, as the network lists them
 */
public record PrivateNetwork(UUID id, String name, Map<UUID, Inet4Address> leases) {

    public PrivateNetwork {
        Objects.requireNonNull(id, "id");
        name = name == null ? "" : name;
        leases = Map.copyOf(leases);
    }

    /** The network as a log line names it: {@code "exoip-net" (id)}. */
    public String describe() {
        return (name.isEmpty() ? "" : "\"" + name + "\" ") + "(" + id + ")";
    }
}

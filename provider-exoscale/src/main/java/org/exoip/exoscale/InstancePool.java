package org.exoip.exoscale;

import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What exoip needs to know of an Exoscale instance pool.
 *
 * @param id         the pool's UUID
 * @param name       its name, "" if the API gave none
 * @param state      its state as the API names it ({@code running}, {@code scaling-up}...), {@code unknown}
 *                   when absent or new to this program
 * @param instances  the ids of its members, as the pool lists them
 * @param elasticIps the Elastic IPs the pool attaches to every member itself
 */
public record InstancePool(UUID id, String name, String state, Set<UUID> instances, Set<UUID> elasticIps) {

    public InstancePool {
        Objects.requireNonNull(id, "id");
        name = name == null ? "" : name;
        state = state == null ? "unknown" : state;
        instances = Set.copyOf(instances);
        elasticIps = Set.copyOf(elasticIps);
    }

    /** The pool as a log line names it: {@code "web" (id)}. */
    public String describe() {
        return (name.isEmpty() ? "" : "\"" + name + "\" ") + "(" + id + ")";
    }
}

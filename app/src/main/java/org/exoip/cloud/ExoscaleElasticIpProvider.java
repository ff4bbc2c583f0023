package org.exoip.cloud;

import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;

/**
 * The {@link ElasticIpProvider} port on Exoscale's API v2, for one Elastic IP given by its address.
 *
 * <p>Who holds it: {@code GET /instance?ip-address=} gives the holders, and every instance the
 * caller knows of (itself and the peers heard in adverts) is also read with {@code GET
 * /instance/{id}}, whose {@code elastic-ips} list is authoritative; the union is the answer, so
 * that a list filter that behaves otherwise cannot hide a holder we know of. A known instance that
 * no longer exists (404) holds nothing.
 *
 * <p>Idempotence: attach and detach write first and check only when the API refuses. The client
 * itself reads the instance back after a {@code conflict} (an instance that already holds the
 * address, a detach of a non-holder, or the second request of a raced write); any other refusal
 * is followed here by one {@code GET /instance/{id}}; when the instance is already in the state
 * asked for, the call succeeds. So the usual path costs no extra request, which matters for
 * failover time, and a refusal is never taken on trust.
 *
 * <p>Thread-safety and blocking as {@link ElasticIpProvider} says: calls block on the network and
 * come from the cloud worker thread; the instance is safe for concurrent use anyway.
 */
public final class ExoscaleElasticIpProvider implements ElasticIpProvider {

    private final ExoscaleClient client;
    private final Inet4Address address;
    private final Supplier<Set<UUID>> knownInstances;

    /**
     * @param client         the API client, for the zone the Elastic IP is in
     * @param address        the Elastic IP
     * @param knownInstances this node's instance id and its peers'; called on every {@link #holders()}
     */
    public ExoscaleElasticIpProvider(ExoscaleClient client, Inet4Address address, Supplier<Set<UUID>> knownInstances) {
        this.client = Objects.requireNonNull(client, "client");
        this.address = Objects.requireNonNull(address, "address");
        this.knownInstances = Objects.requireNonNull(knownInstances, "knownInstances");
    }

    @Override
    public Set<UUID> holders() throws CloudException {
        try {
            UUID elasticIp = client.elasticIpId(address);
            Set<UUID> holders = new LinkedHashSet<>(client.instancesHolding(address));
            for (UUID known : Set.copyOf(knownInstances.get())) {
                if (!holders.contains(known) && holds(known, elasticIp)) {
                    holders.add(known);
                }
            }
            return holders;
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    /** {@code GET /elastic-ip/{id}}: the endpoint answers, the key is accepted, the Elastic IP exists. */
    @Override
    public void probe() throws CloudException {
        try {
            client.checkElasticIp(address);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    /** The {@value Claim#LABEL} label of {@code GET /elastic-ip/{id}}. */
    @Override
    public Optional<Claim> readClaim() throws CloudException {
        try {
            return Claim.parse(client.elasticIpLabels(address).get(Claim.LABEL));
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    /** {@code PUT /elastic-ip/{id}} with the labels just read and the claim among them. */
    @Override
    public void writeClaim(Claim claim) throws CloudException {
        try {
            Map<String, String> labels = new LinkedHashMap<>(client.elasticIpLabels(address));
            labels.put(Claim.LABEL, claim.encode());
            client.setElasticIpLabels(address, labels);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    @Override
    public void attach(UUID instance) throws CloudException {
        change(instance, true, client::attach);
    }

    @Override
    public void detach(UUID instance) throws CloudException {
        change(instance, false, client::detach);
    }

    /** An attach or detach through the client. */
    @FunctionalInterface
    private interface Write {
        void run(UUID elasticIp, UUID instance) throws ExoscaleException;
    }

    private void change(UUID instance, boolean shouldHold, Write write) throws CloudException {
        Objects.requireNonNull(instance, "instance");
        UUID elasticIp = elasticIpId();
        try {
            write.run(elasticIp, instance);
        } catch (ExoscaleException e) {
            // A passing failure is left to the caller's retry, which re-reads the holders anyway.
            if (!e.retryable() && confirmed(instance, elasticIp, shouldHold)) {
                return;
            }
            throw CloudException.of(e);
        }
    }

    private UUID elasticIpId() throws CloudException {
        try {
            return client.elasticIpId(address);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    /** Whether {@code instance} holds the Elastic IP per its own record; a vanished instance holds nothing. */
    private boolean holds(UUID instance, UUID elasticIp) throws ExoscaleException {
        try {
            return client.elasticIpsOf(instance).contains(elasticIp);
        } catch (ExoscaleException e) {
            if (e.status().orElse(0) == 404) {
                return false;
            }
            throw e;
        }
    }

    /** After a refused write: whether the instance is in the asked state already; false if we cannot tell. */
    private boolean confirmed(UUID instance, UUID elasticIp, boolean shouldHold) {
        try {
            return holds(instance, elasticIp) == shouldHold;
        } catch (ExoscaleException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "ExoscaleElasticIpProvider[" + address.getHostAddress() + " via " + client.endpoint() + "]";
    }
}

package org.exoip.cloud;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.ExoscaleException;
import org.exoip.exoscale.Instance;
import org.exoip.exoscale.PrivateNetwork;

/**
 * Peers addressed on a managed private network ({@code --peer-network}): another source chooses
 * the members (a security group, an instance pool, labels), this one gives each the address the
 * network leased it, so that adverts stay off the public internet. One more pair of requests a
 * refresh: the network list (a network made again under the same name is followed) and the
 * network with its leases, so a lease added or ended is seen at the next refresh.
 *
 * <p>A member without a lease cannot be reached there: it is left out, and said once until it has
 * one again. This node is never its own peer; whether it takes part is the member source's
 * answer. Blocks on the API; called only from the peer-refresh thread (and {@link #ownAddress}
 * once at start, before the engine runs).
 */
public final class NetworkPeers implements PeerSource {

    private final ExoscaleClient client;
    private final String network;
    private final MemberSource members;
    private final UUID self;
    private final Consumer<String> warn;
    /** The members told about having no lease, until they have one again. */
    private final Set<UUID> warnedUnleased = ConcurrentHashMap.newKeySet();
    /** This node's lease as last seen (null: none), so that a change is said once. */
    private volatile Inet4Address ownLease;

    /**
     * @param network the private network's name or id
     * @param members the source that chooses the members
     * @param self    this node's instance id
     * @param warn    where the once-per-change warnings go
     */
    public NetworkPeers(ExoscaleClient client, String network, MemberSource members, UUID self,
            Consumer<String> warn) {
        this.client = Objects.requireNonNull(client, "client");
        this.network = Objects.requireNonNull(network, "network");
        this.members = Objects.requireNonNull(members, "members");
        this.self = Objects.requireNonNull(self, "self");
        this.warn = Objects.requireNonNull(warn, "warn");
        if (network.isBlank()) {
            throw new IllegalArgumentException("private network name is empty");
        }
    }

    /**
     * This node's address on the network, which it listens on and sends adverts from.
     *
     * @throws CloudException when the network does not lease this node an address (not retryable:
     *                        the peers could not reach it), or the API fails
     */
    public Inet4Address ownAddress() throws CloudException {
        PrivateNetwork found = network();
        Inet4Address own = found.leases().get(self);
        if (own == null) {
            throw new CloudException("this instance (" + self + ") has no lease on private network "
                    + found.describe() + " (--peer-network): attach it to that managed network, or leave out "
                    + "--peer-network to advertise on the public addresses", false);
        }
        ownLease = own;
        return own;
    }

    @Override
    public PeerList peers() throws CloudException {
        List<Instance> chosen = members.members();
        PrivateNetwork found = network();
        Set<InetAddress> addresses = new LinkedHashSet<>();
        Set<UUID> unleased = new LinkedHashSet<>();
        boolean member = false;
        for (Instance instance : chosen) {
            if (instance.id().equals(self)) {
                member = true;
                continue;
            }
            Inet4Address leased = found.leases().get(instance.id());
            if (leased != null) {
                addresses.add(leased);
                continue;
            }
            unleased.add(instance.id());
            if (warnedUnleased.add(instance.id())) {
                warn.accept("Peer " + describe(instance) + " has no lease on private network " + found.describe()
                        + ": left out of the peers until it has one");
            }
        }
        warnedUnleased.retainAll(unleased);
        noteOwnLease(found);
        return new PeerList(addresses, member ? Membership.MEMBER : Membership.NOT_MEMBER);
    }

    /** A change of this node's own lease after start: its peers now send elsewhere than it listens. */
    private void noteOwnLease(PrivateNetwork found) {
        Inet4Address now = found.leases().get(self);
        Inet4Address before = ownLease;
        if (Objects.equals(now, before)) {
            return;
        }
        ownLease = now;
        warn.accept("This instance's lease on private network " + found.describe() + " is "
                + Optional.ofNullable(now).map(Inet4Address::getHostAddress).orElse("gone")
                + (before == null ? "" : " (it was " + before.getHostAddress() + ")")
                + ": the peers send their adverts there, not where this node listens; restart it to listen there");
    }

    private PrivateNetwork network() throws CloudException {
        try {
            return client.privateNetwork(network);
        } catch (ExoscaleException e) {
            throw CloudException.of(e);
        }
    }

    private static String describe(Instance instance) {
        return (instance.name().isEmpty() ? "" : instance.name() + " ") + "(" + instance.id() + ")";
    }

    @Override
    public String toString() {
        return "NetworkPeers[" + network + " over " + members + "]";
    }
}

package org.exoip.cloud;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Peers given by name or address ({@code -p}); names are resolved again on every call, so a
 * peer whose DNS record changes is followed. A name that fails to resolve keeps its last known
 * addresses rather than silently dropping the peer.
 *
 * <p>Called only from the peer-refresh thread.
 */
public final class StaticPeers implements PeerSource {

    /** Resolves a host name to its addresses (the system resolver in production). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<String> hosts;
    private final Resolver resolver;
    private final Consumer<String> warnings;
    private final Map<String, List<InetAddress>> lastKnown = new HashMap<>();

    public StaticPeers(List<String> hosts, Resolver resolver, Consumer<String> warnings) {
        this.hosts = List.copyOf(hosts);
        this.resolver = resolver;
        this.warnings = warnings;
    }

    public StaticPeers(List<String> hosts, Consumer<String> warnings) {
        this(hosts, InetAddress::getAllByName, warnings);
    }

    @Override
    public PeerList peers() {
        Set<InetAddress> all = new LinkedHashSet<>();
        for (String host : hosts) {
            try {
                List<InetAddress> v4 = new ArrayList<>();
                for (InetAddress address : resolver.resolve(host)) {
                    if (address instanceof Inet4Address) {
                        v4.add(address);
                    }
                }
                if (v4.isEmpty()) {
                    throw new UnknownHostException("no IPv4 address");
                }
                lastKnown.put(host, v4);
                all.addAll(v4);
            } catch (UnknownHostException e) {
                List<InetAddress> previous = lastKnown.get(host);
                warnings.accept("Cannot resolve peer " + host + " (" + e.getMessage() + ")"
                        + (previous == null ? ": skipped until it resolves" : ": keeping " + previous));
                if (previous != null) {
                    all.addAll(previous);
                }
            }
        }
        return new PeerList(all, Membership.NOT_APPLICABLE);
    }
}

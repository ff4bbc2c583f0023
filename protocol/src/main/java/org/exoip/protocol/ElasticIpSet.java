package org.exoip.protocol;

import java.net.Inet4Address;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The Elastic IPs a node keeps, as the decoders check them: an advert about any other address is
 * rejected. Looked up by the advert's four address bytes read as an int, so that no address object
 * is built for a stranger's advert. Immutable.
 */
public final class ElasticIpSet {

    private final Inet4Address[] addresses;
    private final int[] values;

    private ElasticIpSet(Inet4Address[] addresses) {
        if (addresses.length == 0) {
            throw new IllegalArgumentException("no Elastic IP");
        }
        this.addresses = addresses;
        this.values = new int[addresses.length];
        for (int i = 0; i < addresses.length; i++) {
            values[i] = toInt(Objects.requireNonNull(addresses[i], "address"));
        }
    }

    /** One Elastic IP, as the original kept. */
    public static ElasticIpSet of(Inet4Address address) {
        return new ElasticIpSet(new Inet4Address[] {address});
    }

    /** These Elastic IPs, in this order, without repeats. */
    public static ElasticIpSet of(Collection<Inet4Address> addresses) {
        return new ElasticIpSet(addresses.stream().distinct().toArray(Inet4Address[]::new));
    }

    /** The address whose int value is {@code value}, or null when it is not one of these. */
    public Inet4Address match(int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return addresses[i];
            }
        }
        return null;
    }

    public boolean contains(Inet4Address address) {
        return match(toInt(address)) != null;
    }

    public List<Inet4Address> addresses() {
        return List.of(addresses);
    }

    public int size() {
        return addresses.length;
    }

    /** {@code 198.51.100.50}, or {@code one of 198.51.100.50, 198.51.100.51} for what an error expects. */
    public String describe() {
        String listed = Arrays.stream(addresses).map(Inet4Address::getHostAddress).collect(Collectors.joining(", "));
        return addresses.length == 1 ? listed : "one of " + listed;
    }

    static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ElasticIpSet other && Arrays.equals(addresses, other.addresses);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(addresses);
    }

    @Override
    public String toString() {
        return "ElasticIpSet[" + describe() + "]";
    }
}

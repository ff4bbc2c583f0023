package org.exoip.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Turns option text into checked values; each rejection says what was expected. */
final class Converters {

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*(ms|s)?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** The longest duration any option takes: past it, deadlines computed from it could overflow. */
    static final Duration MAX_DURATION = Duration.ofDays(365);
    /** The longest advert interval, VRRPv2's (an 8-bit count of seconds). */
    static final Duration MAX_INTERVAL = Duration.ofSeconds(255);
    /** The highest dead ratio: at 100, a 1 s interval already means 100 s before a failover. */
    static final int MAX_DEAD_RATIO = 100;
    /** The words a boolean option or variable takes, as environment files write them. */
    static final String BOOLEAN_WORDS = "true/false, yes/no, on/off or 1/0";

    private Converters() {
    }

    /**
     * Seconds, whole or fractional, or with a unit: {@code 1}, {@code 0.2}, {@code 200ms}, {@code 2s};
     * at most {@link #MAX_DURATION}.
     */
    static Duration duration(String text) {
        return duration(text, MAX_DURATION, "365 days (31536000s)");
    }

    /** As {@link #duration(String)}, at most {@code max} (said as {@code maxText} when longer). */
    private static Duration duration(String text, Duration max, String maxText) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a duration (expected seconds such as 1 or 0.2, "
                    + "or a number with a unit such as 200ms or 2s)");
        }
        double amount = Double.parseDouble(m.group(1));
        double nanos = "ms".equals(m.group(2)) ? amount * 1e6 : amount * 1e9;
        if (nanos > max.toNanos()) {
            throw new TypeConversionException("'" + text + "' is longer than the maximum of " + maxText);
        }
        return Duration.ofNanos(Math.round(nanos));
    }

    /** The advert interval: a duration of 10 ms to {@link #MAX_INTERVAL}. */
    static final class Interval implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            Duration d = duration(text, MAX_INTERVAL, MAX_INTERVAL.toSeconds() + "s for the advert interval "
                    + "(expected seconds such as 1 or 0.2, or 200ms)");
            if (d.compareTo(NodeSettings.MIN_INTERVAL) < 0) {
                throw new TypeConversionException("'" + text + "' is shorter than the minimum of 10ms "
                        + "(expected seconds such as 1 or 0.2, or 200ms)");
            }
            return d;
        }
    }

    /** A positive duration, for timers other than the advert interval. */
    static final class PositiveDuration implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            Duration d = duration(text);
            if (d.isZero()) {
                throw new TypeConversionException("'" + text + "' must be longer than 0 (expected e.g. 60 or 500ms)");
            }
            return d;
        }
    }

    /** A duration that may be 0 (which turns the thing off). */
    static final class DurationOrOff implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String text) {
            return duration(text);
        }
    }

    /** A priority, 0 (best) to 255. */
    static final class Priority implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            int value = integer(text, "a priority from 0 (best) to 255");
            if (value < 0 || value > 255) {
                throw new TypeConversionException("'" + text + "' is outside 0..255 (expected a priority from 0 (best) to 255)");
            }
            return value;
        }
    }

    /** The dead ratio: a whole number from 1 to {@link #MAX_DEAD_RATIO}. */
    static final class DeadRatio implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            String expected = "a whole number of intervals from 1 to " + MAX_DEAD_RATIO;
            int value = integer(text, expected);
            if (value < 1) {
                throw new TypeConversionException("'" + text + "' is below 1 (expected " + expected + ")");
            }
            if (value > MAX_DEAD_RATIO) {
                throw new TypeConversionException("'" + text + "' is above the maximum of " + MAX_DEAD_RATIO
                        + " (expected " + expected + "; the dead time is the ratio times the interval)");
            }
            return value;
        }
    }

    /**
     * A boolean as environment files write one: true/false, yes/no, on/off, 1/0, in any case.
     * picocli's own takes true and false only, and its refusal does not say so.
     */
    static final class Bool implements ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String text) {
            switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on", "1":
                    return true;
                case "false", "no", "off", "0":
                    return false;
                default:
                    throw new TypeConversionException("'" + text + "' is not a boolean (expected " + BOOLEAN_WORDS
                            + ")");
            }
        }
    }

    /** How many times a master sends each advert: 1 to {@link EngineSettings#MAX_ADVERT_COPIES}. */
    static final class AdvertCopies implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            String expected = "a whole number from 1 to " + EngineSettings.MAX_ADVERT_COPIES;
            int value = integer(text, expected);
            if (value < 1 || value > EngineSettings.MAX_ADVERT_COPIES) {
                throw new TypeConversionException("'" + text + "' is outside 1.." + EngineSettings.MAX_ADVERT_COPIES
                        + " (expected " + expected + ")");
            }
            return value;
        }
    }

    /** An IPv4 address written as four numbers; never a host name (no DNS at parse time). */
    static final class Ipv4 implements ITypeConverter<Inet4Address> {
        @Override
        public Inet4Address convert(String text) {
            return ipv4(text.trim(), "an IPv4 address such as 198.51.100.50");
        }
    }

    /**
     * {@code -xi}: an IPv4 Elastic IP, optionally with the {@code /32} that ifupdown's
     * {@code address 198.51.100.50/32} passes on in {@code IF_ADDRESS}, optionally {@code :PRIORITY}
     * (0-255) for this node's priority for it.
     */
    static final class KeptIpv4 implements ITypeConverter<org.exoip.watchdog.KeptAddresses.KeptAddress> {
        @Override
        public org.exoip.watchdog.KeptAddresses.KeptAddress convert(String text) {
            String t = text.trim();
            int first = t.indexOf(':');
            if (t.startsWith("[") || (first >= 0 && first != t.lastIndexOf(':') && !t.substring(0, first).contains("."))) {
                // A priority has one colon after a dotted quad; IPv6 has two or more before any dot
                // ("2001:db8::1", "::ffff:198.51.100.50"), or brackets.
                throw new TypeConversionException("'" + text + "' is an IPv6 address: IPv6 Elastic IPs are not "
                        + "supported yet (expected an IPv4 address such as 198.51.100.50)");
            }
            int colon = t.indexOf(':');
            String expected = "an IPv4 address such as 198.51.100.50, or 198.51.100.50:PRIORITY";
            if (colon < 0) {
                return org.exoip.watchdog.KeptAddresses.KeptAddress.of(elasticIp(t, expected));
            }
            Inet4Address address = elasticIp(t.substring(0, colon), expected);
            String value = t.substring(colon + 1);
            if (!value.matches("[0-9]{1,3}") || Integer.parseInt(value) > 255) {
                throw new TypeConversionException("'" + text + "' has priority '" + value
                        + "' (expected: 0 to 255, e.g. 198.51.100.50:10)");
            }
            return new org.exoip.watchdog.KeptAddresses.KeptAddress(address,
                    java.util.OptionalInt.of(Integer.parseInt(value)));
        }
    }

    /**
     * An Elastic IP, bare or with a {@code /32} suffix; any other prefix length is refused, saying
     * why: an Elastic IP is one address, so a network is never one.
     */
    private static Inet4Address elasticIp(String text, String expected) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return ipv4(text, expected);
        }
        Inet4Address address = ipv4(text.substring(0, slash), expected);
        String prefix = text.substring(slash + 1);
        if (!prefix.matches("[0-9]{1,2}")) {
            throw new TypeConversionException("'" + text + "' is not " + expected);
        }
        if (!prefix.equals("32")) {
            throw new TypeConversionException("'" + text + "' has prefix length /" + prefix + ", but an Elastic IP "
                    + "is a single address (expected " + address.getHostAddress() + " or "
                    + address.getHostAddress() + "/32)");
        }
        return address;
    }

    /** A UUID, as Exoscale instance ids are. */
    static final class Uuid implements ITypeConverter<UUID> {
        @Override
        public UUID convert(String text) {
            String t = text.trim();
            if (!t.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
                throw new TypeConversionException("'" + text + "' is not a UUID (expected an instance id such as "
                        + "1128bd56-b4d9-4ac6-a7b9-c715b187ce11)");
            }
            return UUID.fromString(t);
        }
    }

    /** The listen address: {@code :PORT}, {@code ADDRESS:PORT} or {@code ADDRESS} (port 12345). */
    static final class Listen implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String text) {
            return socketAddress(text, 12345, "(expected :PORT, IPV4:PORT or IPV4, e.g. :12345 or 192.0.2.10:12345)");
        }
    }

    /**
     * {@code :PORT} (every address), {@code IPV4:PORT} or {@code IPV4} (then {@code defaultPort}).
     *
     * @param expected the forms this option takes, said in every rejection
     */
    static InetSocketAddress socketAddress(String text, int defaultPort, String expected) {
        String t = text.trim();
        int colon = t.lastIndexOf(':');
        String host = colon < 0 ? t : t.substring(0, colon);
        int port = defaultPort;
        if (colon >= 0) {
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + text + "' has no valid port " + expected);
            }
            if (port < 1 || port > 65535) {
                throw new TypeConversionException("'" + text + "' has port " + port + " outside 1..65535 " + expected);
            }
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(port);
        }
        if (colon < 0 && host.matches("\\d+")) {
            throw new TypeConversionException("'" + text + "' is not an IPv4 address " + expected
                    + ": for port " + host + " on every address, give :" + host);
        }
        return new InetSocketAddress(ipv4(host, "an IPv4 address " + expected), port);
    }

    /** An absolute http(s) URL. */
    static final class HttpUrl implements ITypeConverter<URI> {
        @Override
        public URI convert(String text) {
            try {
                URI uri = new URI(text.trim());
                String scheme = uri.getScheme();
                if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    throw new URISyntaxException(text, "not an absolute http(s) URL");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + text + "' is not an http(s) URL (expected e.g. "
                        + "https://api-ch-gva-2.exoscale.com/v2)");
            }
        }
    }

    private static int integer(String text, String expected) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a whole number (expected " + expected + ")");
        }
    }

    static Inet4Address ipv4(String text, String expected) {
        if (IPV4.matcher(text).matches()) {
            try {
                // A dotted-quad literal: getByName parses it without any DNS lookup.
                InetAddress address = InetAddress.getByName(text);
                if (address instanceof Inet4Address v4 && allOctetsValid(text)) {
                    return v4;
                }
            } catch (UnknownHostException e) {
                // falls through to the error below
            }
        }
        throw new TypeConversionException("'" + text + "' is not " + expected);
    }

    /** Each octet 0-255 and without a leading zero, which some tools read as octal (010 = 8). */
    private static boolean allOctetsValid(String text) {
        for (String octet : text.split("\\.")) {
            if (Integer.parseInt(octet) > 255 || (octet.length() > 1 && octet.startsWith("0"))) {
                return false;
            }
        }
        return true;
    }
}

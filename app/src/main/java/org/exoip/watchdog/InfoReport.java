package org.exoip.watchdog;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.exoip.health.HealthVerdict;
import org.exoip.watchdog.LivenessTracker.PeerStatus;

/** The plain-text answer to an {@code info} query, one fact a line. */
public final class InfoReport {

    /** Wall-clock times as README shows them: UTC, always three digits of milliseconds. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** The Cloud line before any read of the holders was answered: "ok" would claim what nobody knows. */
    static final String NOT_REACHED = "not reached yet";

    private InfoReport() {
    }

    /**
     * Renders the node's state.
     *
     * @param lastAdvert wall-clock time of the last advert sent, if any
     * @param sinceLastAdvert how long ago that was, on the monotonic clock
     * @param cloudRefusal how the cloud refuses this node's calls, while it does
     */
    public static String render(Watchdog watchdog, List<PeerStatus> peers, Optional<Instant> lastAdvert,
            Optional<Duration> sinceLastAdvert, Optional<String> cloudRefusal, Optional<Set<UUID>> holders) {
        NodeSettings settings = watchdog.settings();
        StringBuilder out = new StringBuilder(256 + 128 * peers.size());
        line(out, "Node", settings.self().toString());
        line(out, "Elastic IP", settings.elasticIp().getHostAddress());
        line(out, "Priority", priority(watchdog));
        line(out, "State", watchdog.role().name());
        line(out, "Master", master(watchdog));
        line(out, "Holders", holders(holders, " "));
        line(out, "Cloud", cloudRefusal.map(r -> "REFUSED " + r).orElse(holders.isEmpty() ? NOT_REACHED : "ok"));
        timing(out, settings, lastAdvert, sinceLastAdvert);
        peers(out, peers, peer -> peer.priority() < 0 ? "unknown" : Integer.toString(peer.priority()));
        return out.toString();
    }

    /**
     * One kept Elastic IP, for a node that keeps several.
     *
     * @param peers        its peers as its election sees them
     * @param holders      the instances the cloud last said hold it
     * @param cloudRefusal how the cloud refuses its calls, while it does
     */
    public record Address(Watchdog watchdog, List<PeerStatus> peers, Optional<Set<UUID>> holders,
            Optional<String> cloudRefusal) {
    }

    /**
     * Renders a node that keeps several Elastic IPs: a line per address (state, priority, master,
     * holders), then the node's timing and its peers, each peer with its priority per address.
     *
     * @param peers every peer as one ({@link PeerStatus#mergedWith}), in the order of the first address's
     */
    public static String render(List<Address> addresses, List<PeerStatus> peers, Optional<Instant> lastAdvert,
            Optional<Duration> sinceLastAdvert, KeptAddresses kept) {
        NodeSettings settings = addresses.get(0).watchdog().settings();
        StringBuilder out = new StringBuilder(256 + 128 * (peers.size() + addresses.size()));
        line(out, "Node", settings.self().toString());
        String rules = (kept.spread() ? ", spread" : "") + (kept.noPreempt() ? ", no preempt" : "");
        line(out, "Elastic IPs", addresses.size() + (rules.isEmpty() ? "" : " (" + rules.substring(2) + ")"));
        for (Address a : addresses) {
            Watchdog w = a.watchdog();
            line(out, "Elastic IP", w.settings().elasticIp().getHostAddress() + " " + w.role().name()
                    + " priority=" + w.advert().priority() + " master=" + master(w)
                    + " holders=" + holders(a.holders(), ","));
        }
        List<String> refused = addresses.stream().filter(a -> a.cloudRefusal().isPresent())
                .map(a -> a.watchdog().settings().elasticIp().getHostAddress() + ": " + a.cloudRefusal().get())
                .toList();
        List<String> unreached = addresses.stream().filter(a -> a.cloudRefusal().isEmpty() && a.holders().isEmpty())
                .map(a -> a.watchdog().settings().elasticIp().getHostAddress()).toList();
        List<String> cloud = new java.util.ArrayList<>();
        if (!refused.isEmpty()) {
            cloud.add("REFUSED " + String.join("; ", refused));
        }
        if (unreached.size() == addresses.size()) {
            cloud.add(NOT_REACHED);
        } else if (!unreached.isEmpty()) {
            cloud.add(NOT_REACHED + " for " + String.join(", ", unreached));
        }
        line(out, "Cloud", cloud.isEmpty() ? "ok" : String.join("; ", cloud));
        timing(out, settings, lastAdvert, sinceLastAdvert);
        Map<java.net.InetAddress, Map<String, Integer>> byPeer = new LinkedHashMap<>();
        for (Address a : addresses) {
            String eip = a.watchdog().settings().elasticIp().getHostAddress();
            for (PeerStatus peer : a.peers()) {
                if (peer.priority() >= 0) {
                    byPeer.computeIfAbsent(peer.address(), p -> new LinkedHashMap<>()).put(eip, peer.priority());
                }
            }
        }
        peers(out, peers, peer -> {
            Map<String, Integer> each = byPeer.getOrDefault(peer.address(), Map.of());
            if (each.isEmpty()) {
                return "unknown";
            }
            if (each.size() == addresses.size() && each.values().stream().distinct().count() == 1) {
                return Integer.toString(each.values().iterator().next());
            }
            return each.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
        });
        return out.toString();
    }

    private static String master(Watchdog watchdog) {
        Decision decision = watchdog.decision();
        return decision.master() == null ? "undecided" : decision.master().toString();
    }

    private static String holders(Optional<Set<UUID>> holders, String separator) {
        return holders.map(h -> h.isEmpty() ? "none" : h.stream().map(UUID::toString).sorted()
                .collect(Collectors.joining(separator))).orElse("unknown");
    }

    private static void timing(StringBuilder out, NodeSettings settings, Optional<Instant> lastAdvert,
            Optional<Duration> sinceLastAdvert) {
        line(out, "Interval", seconds(settings.interval()));
        line(out, "Dead ratio", Integer.toString(settings.deadRatio()));
        line(out, "Last advert", lastAdvert.map(TIME::format).orElse("never")
                + sinceLastAdvert.map(d -> " (" + seconds(d) + " ago)").orElse(""));
    }

    private static void peers(StringBuilder out, List<PeerStatus> peers,
            java.util.function.Function<PeerStatus, String> priority) {
        line(out, "Peers", Integer.toString(peers.size()));
        for (PeerStatus peer : peers) {
            out.append("Peer ").append(peer.address().getHostAddress())
                    .append(" id=").append(peer.id() == null ? "unknown" : peer.id())
                    .append(" priority=").append(priority.apply(peer))
                    .append(' ').append(peer.alive() ? "alive" : "dead")
                    .append(" last-seen=").append(peer.sinceLastSeen().map(d -> seconds(d) + " ago").orElse("never"))
                    .append('\n');
        }
    }

    /**
     * The advertised priority and, with health checks or a track file, its parts:
     * {@code 30 (base 10, checks +20, track file +0)} or {@code 255 (FAULT: ...; base 10)}.
     */
    private static String priority(Watchdog watchdog) {
        HealthVerdict health = watchdog.health();
        if (!health.tracked()) {
            return Integer.toString(watchdog.priority());
        }
        if (watchdog.faulted()) {
            return Priority.WORST + " (FAULT: " + String.join("; ", health.faultReasons(watchdog.priority()))
                    + "; base " + watchdog.priority() + ")";
        }
        return String.format(Locale.ROOT, "%d (base %d, checks %+d, track file %+d)",
                watchdog.effectivePriority(), watchdog.priority(), health.checkDelta(), health.trackValue());
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(String.format(Locale.ROOT, "%-12s%s\n", name, value));
    }

    /** A wall-clock time as info shows it: UTC with milliseconds. */
    static String time(Instant instant) {
        return TIME.format(instant);
    }

    /** A duration as seconds with millisecond precision, e.g. {@code 0.250s}. */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }
}

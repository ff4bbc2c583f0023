package org.exoip.watchdog;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.exoip.health.HealthVerdict;
import org.exoip.watchdog.LivenessTracker.PeerStatus;

/** The plain-text answer to an {@code info} query, one fact a line. */
public final class InfoReport {

    /** Wall-clock times as README shows them: UTC, always three digits of milliseconds. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

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
            Optional<Duration> sinceLastAdvert, Optional<String> cloudRefusal) {
        NodeSettings settings = watchdog.settings();
        StringBuilder out = new StringBuilder(256 + 128 * peers.size());
        line(out, "Node", settings.self().toString());
        line(out, "Elastic IP", settings.elasticIp().getHostAddress());
        line(out, "Priority", priority(watchdog));
        line(out, "State", watchdog.role().name());
        Decision decision = watchdog.decision();
        line(out, "Master", decision.master() == null ? "undecided" : decision.master().toString());
        line(out, "Cloud", cloudRefusal.map(r -> "REFUSED " + r).orElse("ok"));
        line(out, "Interval", seconds(settings.interval()));
        line(out, "Dead ratio", Integer.toString(settings.deadRatio()));
        line(out, "Last advert", lastAdvert.map(TIME::format).orElse("never")
                + sinceLastAdvert.map(d -> " (" + seconds(d) + " ago)").orElse(""));
        line(out, "Peers", Integer.toString(peers.size()));
        for (PeerStatus peer : peers) {
            out.append("Peer ").append(peer.address().getHostAddress())
                    .append(" id=").append(peer.id() == null ? "unknown" : peer.id())
                    .append(" priority=").append(peer.priority() < 0 ? "unknown" : Integer.toString(peer.priority()))
                    .append(' ').append(peer.alive() ? "alive" : "dead")
                    .append(" last-seen=").append(peer.sinceLastSeen().map(d -> seconds(d) + " ago").orElse("never"))
                    .append('\n');
        }
        return out.toString();
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

    /** A duration as seconds with millisecond precision, e.g. {@code 0.250s}. */
    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3fs", d.toNanos() / 1e9);
    }
}

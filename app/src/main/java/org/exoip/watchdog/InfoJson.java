package org.exoip.watchdog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The answer to {@code info json} ({@code exoip info --json}): one JSON document with what the text
 * answer says, for scripts and monitoring. Pure: the engine fills the records on its event loop,
 * this class only writes them, so that tests (and README's example) render fixed values. The
 * fields are documented in README and checked against {@code docs/info.schema.json}.
 */
public final class InfoJson {

    /** Bumped when a field changes meaning or goes away; new fields do not bump it. */
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private InfoJson() {
    }

    /** The node. Times are UTC ISO-8601 strings with milliseconds, durations milliseconds. */
    public record Node(UUID id, long intervalMs, int deadRatio, Optional<String> lastAdvert,
            Optional<Long> lastAdvertAgoMs, List<Address> addresses, Readiness readiness, List<Peer> peers,
            Stalls stalls, String adverts, Map<String, Long> dropped) {
    }

    /** One Elastic IP kept. */
    public record Address(String elasticIp, String state, int priority, Optional<UUID> master,
            Optional<Set<UUID>> holders, Optional<String> cloudRefusal, List<String> outOfElection,
            Optional<String> heldUntil, Optional<Long> claimTerm, Optional<UUID> claimOwner,
            Optional<UUID> yieldedTo) {
    }

    /** What the keep-warm probe last found; {@code probed} false when it is off. */
    public record Readiness(boolean probed, boolean ready, String detail) {
    }

    public record Peer(String address, Optional<UUID> id, Optional<Integer> priority, boolean alive,
            Optional<String> lastSeen, Optional<Long> lastSeenAgoMs) {
    }

    public record Stalls(long count, Optional<Long> lastMs, Optional<Long> lastAgoMs) {
    }

    public static String render(Node node) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("node", node.id().toString());
        root.put("interval_ms", node.intervalMs());
        root.put("dead_ratio", node.deadRatio());
        text(root, "last_advert", node.lastAdvert());
        number(root, "last_advert_ago_ms", node.lastAdvertAgoMs());
        ArrayNode addresses = root.putArray("elastic_ips");
        for (Address a : node.addresses()) {
            ObjectNode o = addresses.addObject();
            o.put("address", a.elasticIp());
            o.put("state", a.state());
            o.put("priority", a.priority());
            text(o, "master", a.master().map(UUID::toString));
            if (a.holders().isPresent()) {
                ArrayNode holders = o.putArray("holders");
                a.holders().get().stream().map(UUID::toString).sorted().forEach(holders::add);
            } else {
                o.putNull("holders");
            }
            ObjectNode cloud = o.putObject("cloud");
            cloud.put("status", a.cloudRefusal().isPresent() ? "refused" : "ok");
            text(cloud, "refusal", a.cloudRefusal());
            ObjectNode election = o.putObject("election");
            election.put("in", a.outOfElection().isEmpty());
            ArrayNode reasons = election.putArray("out_because");
            a.outOfElection().forEach(reasons::add);
            text(election, "held_until", a.heldUntil());
            if (a.claimTerm().isPresent()) {
                ObjectNode claim = o.putObject("claim");
                claim.put("term", a.claimTerm().get());
                text(claim, "owner", a.claimOwner().map(UUID::toString));
            } else {
                o.putNull("claim");
            }
            text(o, "yielded_to", a.yieldedTo().map(UUID::toString));
        }
        ObjectNode readiness = root.putObject("readiness");
        readiness.put("probed", node.readiness().probed());
        readiness.put("ready", node.readiness().ready());
        readiness.put("detail", node.readiness().detail());
        ArrayNode peers = root.putArray("peers");
        for (Peer p : node.peers()) {
            ObjectNode o = peers.addObject();
            o.put("address", p.address());
            text(o, "id", p.id().map(UUID::toString));
            if (p.priority().isPresent()) {
                o.put("priority", p.priority().get());
            } else {
                o.putNull("priority");
            }
            o.put("alive", p.alive());
            text(o, "last_seen", p.lastSeen());
            number(o, "last_seen_ago_ms", p.lastSeenAgoMs());
        }
        ObjectNode stalls = root.putObject("stalls");
        stalls.put("count", node.stalls().count());
        number(stalls, "last_ms", node.stalls().lastMs());
        number(stalls, "last_ago_ms", node.stalls().lastAgoMs());
        root.put("adverts", node.adverts());
        ObjectNode dropped = root.putObject("dropped");
        node.dropped().forEach(dropped::put);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    private static void text(ObjectNode o, String field, Optional<String> value) {
        if (value.isPresent()) {
            o.put(field, value.get());
        } else {
            o.putNull(field);
        }
    }

    private static void number(ObjectNode o, String field, Optional<Long> value) {
        if (value.isPresent()) {
            o.put(field, value.get());
        } else {
            o.putNull(field);
        }
    }
}

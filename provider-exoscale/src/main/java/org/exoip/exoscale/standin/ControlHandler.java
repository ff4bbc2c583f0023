package org.exoip.exoscale.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The unsigned control API under {@code /_standin/}, for harnesses that run exoip in other
 * processes: read holders, events and request counts, add resources, queue faults, reset.
 * Routes and shapes are listed in docs/standin.md.
 *
 * <p>Called on the server's request threads, concurrently; holds no state of its own. The server
 * has already refused clients that are not allowed.
 */
final class ControlHandler {

    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private final StandinServer server;
    private final StandinState state;

    ControlHandler(StandinServer server) {
        this.server = server;
        this.state = server.state();
    }

    void handle(HttpExchange exchange, byte[] body) throws IOException {
        String method = exchange.getRequestMethod();
        // Decoded path segments after "/_standin": names may hold escaped characters.
        String path = exchange.getRequestURI().getPath();
        List<String> s = List.of(path.substring("/_standin".length()).replaceFirst("^/", "").split("/", -1));
        // The method, the first segment and the number of segments pick the route:
        // "PUT elastic-ips/4" is PUT /_standin/elastic-ips/{eip}/holders/{instance}.
        String route = method + " " + s.get(0) + (s.size() > 1 ? "/" + s.size() : "");
        try {
            JsonNode json = body.length == 0 ? ApiJson.MAPPER.createObjectNode() : ApiJson.MAPPER.readTree(body);
            switch (route) {
                case "GET state" -> Replies.json(exchange, 200, stateJson());
                case "GET holders" -> Replies.json(exchange, 200, holdersJson());
                case "GET events" -> Replies.json(exchange, 200, eventsJson());
                case "GET requests" -> {
                    ObjectNode counts = ApiJson.MAPPER.createObjectNode();
                    server.requestCounts().forEach(counts::put);
                    Replies.json(exchange, 200, ApiJson.MAPPER.createObjectNode().set("requests", counts));
                }
                case "GET faults" -> Replies.json(exchange, 200, faultsJson());
                case "POST faults" -> {
                    server.faults().add(fault(json));
                    Replies.json(exchange, 200, faultsJson());
                }
                case "DELETE faults" -> {
                    server.faults().clear();
                    Replies.noContent(exchange);
                }
                case "POST instances" -> {
                    StandinState.Instance instance = state.addInstance(optionalText(json, "id"),
                            requiredText(json, "name"), optionalText(json, "public-ip"), texts(json, "security-groups"),
                            labels(json), optionalText(json, "instance-pool"),
                            json.has("state") ? requiredText(json, "state") : "running");
                    Replies.json(exchange, 201, ApiJson.instance(instance, true));
                }
                case "PUT instances/3" -> {
                    String instance = s.get(1);
                    switch (s.get(2)) {
                        case "labels" -> state.setLabels(instance, ApiJson.MAPPER.convertValue(json, STRING_MAP));
                        case "state" -> state.setState(instance, requiredText(json, "state"));
                        default -> requireSegment(s, 2, "labels or state");
                    }
                    Replies.json(exchange, 200, ApiJson.instance(state.findInstance(instance).orElseThrow(), true));
                }
                case "POST instance-pools" -> {
                    StandinState.InstancePool pool = state.addInstancePool(optionalText(json, "id"),
                            requiredText(json, "name"), texts(json, "elastic-ips"), labels(json));
                    Replies.json(exchange, 201, ApiJson.instancePool(pool, state.poolMembers(pool.id())));
                }
                case "PUT instance-pools/4", "DELETE instance-pools/4" -> {
                    requireSegment(s, 2, "members");
                    String instance = s.get(3);
                    if (method.equals("PUT")) {
                        state.setInstancePool(instance, s.get(1));
                    } else if (state.findInstance(instance).map(StandinState.Instance::poolId).orElse("")
                            .equals(poolId(s.get(1)))) {
                        state.setInstancePool(instance, null);
                    }
                    Replies.noContent(exchange);
                }
                case "POST private-networks" -> {
                    StandinState.PrivateNetwork network = state.addPrivateNetwork(optionalText(json, "id"),
                            requiredText(json, "name"), optionalText(json, "description"),
                            requiredText(json, "start-ip"), requiredText(json, "end-ip"),
                            requiredText(json, "netmask"));
                    Replies.json(exchange, 201, ApiJson.privateNetwork(network));
                }
                case "PUT private-networks/4", "DELETE private-networks/4" -> {
                    requireSegment(s, 2, "leases");
                    StandinState.PrivateNetwork network = method.equals("PUT")
                            ? state.setLease(s.get(1), s.get(3), requiredText(json, "ip"))
                            : state.removeLease(s.get(1), s.get(3));
                    Replies.json(exchange, 200, ApiJson.privateNetwork(network));
                }
                case "DELETE instances/2" -> {
                    state.removeInstance(s.get(1));
                    Replies.noContent(exchange);
                }
                case "POST elastic-ips" -> {
                    StandinState.ElasticIp eip = state.addElasticIp(optionalText(json, "id"), requiredText(json, "ip"),
                            optionalText(json, "description"), json.has("labels") ? labels(json) : null);
                    Replies.json(exchange, 201, ApiJson.elasticIp(eip));
                }
                case "PUT elastic-ips/4", "DELETE elastic-ips/4" -> {
                    requireSegment(s, 2, "holders");
                    if (method.equals("PUT")) {
                        state.attach(s.get(1), s.get(3));
                    } else {
                        state.detach(s.get(1), s.get(3));
                    }
                    Replies.json(exchange, 200, holdersJson());
                }
                case "POST security-groups" -> {
                    StandinState.SecurityGroup group = state.addSecurityGroup(optionalText(json, "id"),
                            requiredText(json, "name"), optionalText(json, "description"));
                    Replies.json(exchange, 201, ApiJson.securityGroup(group));
                }
                case "POST security-groups/3" -> {
                    requireSegment(s, 2, "members");
                    state.addMember(s.get(1), requiredText(json, "instance"));
                    Replies.noContent(exchange);
                }
                case "DELETE security-groups/4" -> {
                    requireSegment(s, 2, "members");
                    state.removeMember(s.get(1), s.get(3));
                    Replies.noContent(exchange);
                }
                case "PUT settings" -> {
                    if (json.has("operation-delay-ms")) {
                        state.setOperationDelay(Duration.ofMillis(requiredLong(json, "operation-delay-ms")));
                    }
                    if (json.has("zone")) {
                        state.setZone(requiredText(json, "zone"));
                    }
                    Replies.json(exchange, 200, settingsJson());
                }
                case "POST reset" -> {
                    server.reset();
                    Replies.noContent(exchange);
                }
                default -> Replies.message(exchange, 404, "no control route " + method + " " + path
                        + " (see docs/standin.md)");
            }
        } catch (NoSuchElementException e) {
            Replies.message(exchange, 404, e.getMessage());
        } catch (IllegalArgumentException e) {
            Replies.message(exchange, 400, e.getMessage());
        } catch (JsonProcessingException e) {
            Replies.message(exchange, 400, "body is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads a fault in the control API's JSON shape. */
    static Fault fault(JsonNode json) {
        Fault.Kind kind = Fault.Kind.fromWireName(requiredText(json, "kind"));
        int times = json.has("times") ? (int) requiredLong(json, "times") : 1;
        int retryAfter = json.has("retry-after-seconds") ? (int) requiredLong(json, "retry-after-seconds") : -1;
        Duration delay = Duration.ofMillis(json.has("delay-ms") ? requiredLong(json, "delay-ms") : 0);
        int status = json.has("status") ? (int) requiredLong(json, "status") : 0;
        return new Fault(kind, times, optionalText(json, "method"), optionalText(json, "path"), retryAfter, delay,
                optionalText(json, "reason"), optionalText(json, "message"), status, optionalText(json, "client"));
    }

    private ObjectNode stateJson() {
        ObjectNode node = settingsJson();
        ArrayNode eips = node.putArray("elastic-ips");
        Map<String, Set<String>> holders = state.allHolders();
        for (StandinState.ElasticIp eip : state.elasticIps()) {
            eips.add(ApiJson.elasticIp(eip).set("holders", ApiJson.strings(holders.get(eip.id()))));
        }
        ArrayNode instances = node.putArray("instances");
        state.instances().forEach(i -> instances.add(ApiJson.instance(i, true)));
        ArrayNode groups = node.putArray("security-groups");
        state.securityGroups().forEach(g -> groups.add(ApiJson.securityGroup(g)));
        ArrayNode pools = node.putArray("instance-pools");
        state.instancePools().forEach(p -> pools.add(ApiJson.instancePool(p, state.poolMembers(p.id()))));
        ArrayNode networks = node.putArray("private-networks");
        state.privateNetworks().forEach(n -> networks.add(ApiJson.privateNetwork(n)));
        return node;
    }

    private ObjectNode settingsJson() {
        ObjectNode node = ApiJson.MAPPER.createObjectNode();
        node.put("zone", state.zone());
        node.put("operation-delay-ms", state.operationDelay().toMillis());
        return node;
    }

    private ObjectNode holdersJson() {
        ObjectNode node = ApiJson.MAPPER.createObjectNode();
        ArrayNode eips = node.putArray("elastic-ips");
        state.allHolders().forEach((id, holders) -> {
            ObjectNode eip = eips.addObject();
            eip.put("id", id);
            eip.put("ip", state.elasticIp(id).map(StandinState.ElasticIp::ip).orElse(null));
            ArrayNode list = eip.putArray("holders");
            for (String holder : holders) {
                list.addObject().put("id", holder)
                        .put("name", state.instance(holder).map(StandinState.Instance::name).orElse(null));
            }
        });
        return node;
    }

    private ObjectNode eventsJson() {
        ObjectNode node = ApiJson.MAPPER.createObjectNode();
        ArrayNode events = node.putArray("events");
        for (AttachmentEvent event : state.events()) {
            events.addObject()
                    .put("at", event.at().toString())
                    .put("nanos", event.nanos())
                    .put("kind", event.kind().name().toLowerCase(Locale.ROOT))
                    .put("instance", event.instanceId())
                    .put("elastic-ip", event.elasticIpId())
                    .set("holders", ApiJson.strings(new ArrayList<>(event.holdersAfter())));
        }
        return node;
    }

    private ObjectNode faultsJson() {
        ObjectNode node = ApiJson.MAPPER.createObjectNode();
        ArrayNode faults = node.putArray("faults");
        for (Fault fault : server.faults().pending()) {
            ObjectNode f = faults.addObject().put("kind", fault.kind().wireName()).put("times", fault.times());
            f.put("method", fault.method()).put("path", fault.pathRegex()).put("client", fault.client());
            if (fault.kind() == Fault.Kind.RATE_LIMITED) {
                f.put("retry-after-seconds", fault.retryAfterSeconds());
            } else if (fault.kind() == Fault.Kind.SLOW) {
                f.put("delay-ms", fault.delay().toMillis());
            } else if (fault.kind() == Fault.Kind.OPERATION_FAILURE) {
                f.put("reason", fault.reason()).put("message", fault.message());
            } else if (fault.kind() == Fault.Kind.STATUS) {
                f.put("status", fault.status()).put("message", fault.message());
            }
        }
        return node;
    }

    /** The id of the instance pool with this id or name; 404 when there is none. */
    private String poolId(String idOrName) {
        return state.instancePools().stream().filter(p -> p.id().equals(idOrName) || p.name().equals(idOrName))
                .map(StandinState.InstancePool::id).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no instance pool " + idOrName));
    }

    /** The optional {@code labels} field: an object of strings, as POST elastic-ips has always read it. */
    private static Map<String, String> labels(JsonNode json) {
        JsonNode value = json.get("labels");
        return value == null || value.isNull() ? Map.of() : ApiJson.MAPPER.convertValue(value, STRING_MAP);
    }

    private static void requireSegment(List<String> segments, int index, String expected) {
        if (!segments.get(index).equals(expected)) {
            throw new NoSuchElementException("no control route with \"" + segments.get(index) + "\" (expected \""
                    + expected + "\")");
        }
    }

    private static String requiredText(JsonNode json, String field) {
        String value = optionalText(json, field);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("field \"" + field + "\" is required");
        }
        return value;
    }

    private static String optionalText(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static long requiredLong(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("field \"" + field + "\" must be a whole number");
        }
        return value.asLong();
    }

    private static List<String> texts(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        List<String> texts = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(v -> texts.add(v.isTextual() ? v.asText() : null));
        }
        if (!value.isArray() || texts.contains(null)) {
            throw new IllegalArgumentException("field \"" + field + "\" must be an array of strings");
        }
        return texts;
    }
}

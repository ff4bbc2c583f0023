package org.exoip.exoscale.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.exoip.exoscale.RequestSigner;

/**
 * Answers the signed Exoscale API v2 routes under {@code /v2} from a {@link StandinState}.
 *
 * <p>Called on the server's request threads, concurrently; holds no state of its own.
 */
final class ApiHandler {

    private final StandinState state;
    private final Faults faults;
    private final SignatureVerifier verifier;

    ApiHandler(StandinState state, Faults faults) {
        this.state = state;
        this.faults = faults;
        this.verifier = new SignatureVerifier(state::secretOf, state.clock());
    }

    /**
     * The route of a path under {@code /v2}, with the id segment replaced by {@code {id}}: the
     * key of the request counts, e.g. {@code PUT /v2/elastic-ip/{id}:attach}.
     */
    static String routeOf(String method, String rawPath) {
        String[] segments = rawPath.split("/", -1);
        if (segments.length == 4) {
            String last = segments[3];
            int colon = last.indexOf(':');
            segments[3] = "{id}" + (colon < 0 ? "" : last.substring(colon));
        }
        return method + " " + String.join("/", segments);
    }

    void handle(HttpExchange exchange, byte[] body) throws IOException {
        String method = exchange.getRequestMethod();
        URI uri = exchange.getRequestURI();
        Optional<String> refusal = verifier.refusal(method, uri, body,
                exchange.getRequestHeaders().getFirst("Authorization"));
        if (refusal.isPresent()) {
            Replies.message(exchange, 403, refusal.get());
            return;
        }
        // "/v2/elastic-ip/<id>:attach" -> ["", "v2", "elastic-ip", "<id>:attach"]
        String[] segments = uri.getRawPath().split("/", -1);
        String collection = segments.length > 2 ? segments[2] : "";
        String item = segments.length == 4 ? segments[3] : null;
        if (segments.length > 4 || (segments.length == 4 && item.isEmpty())) {
            notFound(exchange);
            return;
        }
        Map<String, String> query = RequestSigner.decodeQuery(uri.getRawQuery());
        switch (collection) {
            case "elastic-ip" -> elasticIp(exchange, method, item, body);
            case "instance" -> {
                if (requireGet(exchange, method)) {
                    instance(exchange, item, query);
                }
            }
            case "instance-pool" -> {
                if (requireGet(exchange, method)) {
                    instancePool(exchange, item);
                }
            }
            case "private-network" -> {
                if (requireGet(exchange, method)) {
                    privateNetwork(exchange, item);
                }
            }
            case "security-group" -> {
                if (requireGet(exchange, method)) {
                    securityGroup(exchange, item, query);
                }
            }
            case "operation" -> {
                if (item == null) {
                    notFound(exchange);
                } else if (requireGet(exchange, method)) {
                    Optional<StandinState.Operation> op = state.operation(item);
                    if (op.isPresent()) {
                        Replies.json(exchange, 200, ApiJson.operation(op.get()));
                    } else {
                        Replies.message(exchange, 404, "operation " + item + " not found");
                    }
                }
            }
            default -> notFound(exchange);
        }
    }

    private void elasticIp(HttpExchange exchange, String method, String item, byte[] body) throws IOException {
        if (item == null) {
            if (requireGet(exchange, method)) {
                Replies.json(exchange, 200, ApiJson.list("elastic-ips",
                        state.elasticIps().stream().map(ApiJson::elasticIp).toList()));
            }
            return;
        }
        int colon = item.indexOf(':');
        String id = colon < 0 ? item : item.substring(0, colon);
        String action = colon < 0 ? null : item.substring(colon + 1);
        if (action != null && !action.equals("attach") && !action.equals("detach")) {
            notFound(exchange);
            return;
        }
        if (!method.equals("PUT") && !(action == null && method.equals("GET"))) {
            Replies.message(exchange, 405, method + " is not allowed here");
            return;
        }
        Optional<StandinState.ElasticIp> eip = state.elasticIp(id);
        if (eip.isEmpty()) {
            Replies.message(exchange, 404, "elastic IP " + id + " not found");
            return;
        }
        if (action == null && method.equals("GET")) {
            Replies.json(exchange, 200, ApiJson.elasticIp(eip.get()));
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            Replies.message(exchange, 415, "Content-Type must be application/json");
            return;
        }
        if (action == null) {
            updateElasticIp(exchange, eip.get(), body);
            return;
        }
        String instanceId;
        try {
            JsonNode json = ApiJson.MAPPER.readTree(body);
            JsonNode idNode = json == null ? null : json.path("instance").path("id");
            if (idNode == null || !idNode.isTextual() || idNode.asText().isEmpty()) {
                Replies.message(exchange, 400, "body must be {\"instance\":{\"id\":\"<uuid>\"}}");
                return;
            }
            instanceId = idNode.asText();
        } catch (IOException e) {
            Replies.message(exchange, 400, "body is not JSON");
            return;
        }
        if (state.instance(instanceId).isEmpty()) {
            Replies.message(exchange, 404, "instance " + instanceId + " not found");
            return;
        }
        Fault failure = faults.takeOperationFailure(method, exchange.getRequestURI().getRawPath(),
                exchange.getRemoteAddress().getAddress().getHostAddress()).orElse(null);
        AttachmentEvent.Kind kind = action.equals("attach") ? AttachmentEvent.Kind.ATTACH : AttachmentEvent.Kind.DETACH;
        Replies.json(exchange, 200, ApiJson.operation(state.startOperation(kind, id, instanceId, failure)));
    }

    /** {@code PUT /elastic-ip/{id}}: only its labels are kept (a description or health check is accepted and ignored). */
    private void updateElasticIp(HttpExchange exchange, StandinState.ElasticIp eip, byte[] body) throws IOException {
        JsonNode json;
        try {
            json = ApiJson.MAPPER.readTree(body);
        } catch (IOException e) {
            Replies.message(exchange, 400, "body is not JSON");
            return;
        }
        if (json == null || !json.isObject()) {
            Replies.message(exchange, 400, "body must be a JSON object");
            return;
        }
        JsonNode labels = json.get("labels");
        if (labels == null) {
            Replies.json(exchange, 200, ApiJson.operation(state.updateElasticIpLabels(eip.id(), eip.labels())));
            return;
        }
        if (!labels.isObject()) {
            Replies.message(exchange, 400, "labels must be an object of strings");
            return;
        }
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) labels::fields) {
            if (!field.getValue().isTextual()) {
                Replies.message(exchange, 400, "label " + field.getKey() + " must be a string");
                return;
            }
            values.put(field.getKey(), field.getValue().asText());
        }
        Replies.json(exchange, 200, ApiJson.operation(state.updateElasticIpLabels(eip.id(), values)));
    }

    private void instance(HttpExchange exchange, String item, Map<String, String> query) throws IOException {
        if (item != null) {
            Optional<StandinState.Instance> instance = state.instance(item);
            if (instance.isPresent()) {
                Replies.json(exchange, 200, ApiJson.instance(instance.get(), true));
            } else {
                Replies.message(exchange, 404, "instance " + item + " not found");
            }
            return;
        }
        List<StandinState.Instance> instances = state.instances();
        String address = query.get("ip-address");
        if (address != null) {
            // Holders of the Elastic IP with this address, and an instance whose own public IP it is.
            Set<String> eipIds = state.elasticIps().stream().filter(e -> e.ip().equals(address))
                    .map(StandinState.ElasticIp::id).collect(Collectors.toSet());
            instances = instances.stream()
                    .filter(i -> address.equals(i.publicIp()) || i.elasticIpIds().stream().anyMatch(eipIds::contains))
                    .toList();
        }
        String managerType = query.get("manager-type");
        if (managerType != null && !managerType.equals("instance-pool")) {
            Replies.message(exchange, 400, "manager-type must be instance-pool");
            return;
        }
        String managerId = query.get("manager-id");
        if (managerId != null || managerType != null) {
            instances = instances.stream().filter(i -> i.poolId() != null
                    && (managerId == null || managerId.equalsIgnoreCase(i.poolId()))).toList();
        }
        String labels = query.get("labels");
        if (labels != null) {
            Optional<Map<String, String>> wanted = labelFilter(labels);
            if (wanted.isEmpty()) {
                Replies.message(exchange, 400, "labels must be key=value pairs separated by spaces");
                return;
            }
            instances = instances.stream().filter(i -> i.labels().entrySet().containsAll(wanted.get().entrySet()))
                    .toList();
        }
        Replies.json(exchange, 200, ApiJson.list("instances",
                instances.stream().map(i -> ApiJson.instance(i, false)).toList()));
    }

    /**
     * The {@code labels} filter of {@code GET /instance}. Its format is not described officially;
     * the stand-in reads {@code key=value} pairs separated by spaces (as Exoscale's Karpenter
     * provider sends them), all of which must match.
     */
    static Optional<Map<String, String>> labelFilter(String value) {
        Map<String, String> pairs = new java.util.LinkedHashMap<>();
        for (String pair : value.trim().split(" +")) {
            int equals = pair.indexOf('=');
            if (equals <= 0) {
                return Optional.empty();
            }
            pairs.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
        return Optional.of(pairs);
    }

    private void instancePool(HttpExchange exchange, String item) throws IOException {
        if (item != null) {
            Optional<StandinState.InstancePool> pool = state.instancePool(item);
            if (pool.isPresent()) {
                Replies.json(exchange, 200, ApiJson.instancePool(pool.get(), state.poolMembers(item)));
            } else {
                Replies.message(exchange, 404, "instance pool " + item + " not found");
            }
            return;
        }
        Replies.json(exchange, 200, ApiJson.list("instance-pools", state.instancePools().stream()
                .map(p -> ApiJson.instancePool(p, state.poolMembers(p.id()))).toList()));
    }

    private void privateNetwork(HttpExchange exchange, String item) throws IOException {
        if (item != null) {
            Optional<StandinState.PrivateNetwork> network = state.privateNetwork(item);
            if (network.isPresent()) {
                Replies.json(exchange, 200, ApiJson.privateNetwork(network.get()));
            } else {
                Replies.message(exchange, 404, "private network " + item + " not found");
            }
            return;
        }
        Replies.json(exchange, 200, ApiJson.list("private-networks",
                state.privateNetworks().stream().map(ApiJson::privateNetwork).toList()));
    }

    private void securityGroup(HttpExchange exchange, String item, Map<String, String> query) throws IOException {
        if (item != null) {
            Optional<StandinState.SecurityGroup> group = state.securityGroup(item);
            if (group.isPresent()) {
                Replies.json(exchange, 200, ApiJson.securityGroup(group.get()));
            } else {
                Replies.message(exchange, 404, "security group " + item + " not found");
            }
            return;
        }
        String visibility = query.get("visibility");
        if (visibility != null && !visibility.equals("private") && !visibility.equals("public")) {
            Replies.message(exchange, 400, "visibility must be private or public");
            return;
        }
        // Every stand-in group is the account's own (private); Exoscale's public groups are not modelled.
        List<StandinState.SecurityGroup> groups = "public".equals(visibility) ? List.of() : state.securityGroups();
        Replies.json(exchange, 200, ApiJson.list("security-groups",
                groups.stream().map(ApiJson::securityGroup).toList()));
    }

    private static boolean requireGet(HttpExchange exchange, String method) throws IOException {
        if (method.equals("GET")) {
            return true;
        }
        Replies.message(exchange, 405, method + " is not allowed here");
        return false;
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        Replies.message(exchange, 404, "no route for " + exchange.getRequestMethod() + " "
                + exchange.getRequestURI().getRawPath());
    }
}

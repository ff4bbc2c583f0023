package org.exoip.exoscale.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares every operation of our OpenAPI subset with the official description and lists each
 * difference as one line: operations (by wire path, so a {@code /v2} in the server URL or in the
 * paths is the same thing), operationId, parameters, request bodies and response fields, with
 * their types, formats, enums and required flags, {@code $ref}s resolved on both sides.
 *
 * <p>The rules, where "the same" would be too strict or too loose:
 * <ul>
 * <li>Our fields must exist officially with the same type; the official side may have more.
 * <li>A format we state must be the official one; one we leave out is fine (we read a string).
 * <li>Enums of what we send (parameters, request bodies) must be a subset of the official one:
 *     no value we can send is refused. Enums of what we read must equal the official one: a
 *     value the API documents but we lack would reach our code as "unknown", and a new official
 *     value turns this check red so that someone decides what it means for exoip.
 * <li>What the API requires in a request we require too; what we require in an answer the API
 *     must promise. Officially read-only fields are never sent, write-only fields never read.
 * </ul>
 * Pure: takes the two parsed trees, touches no file.
 */
final class DescriptionComparator {

    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options",
            "trace");

    /** Which way a schema travels: what we send is checked differently from what we read. */
    enum Direction { REQUEST, RESPONSE }

    private final JsonNode ours;
    private final JsonNode official;
    private final List<String> differences = new ArrayList<>();

    private DescriptionComparator(JsonNode ours, JsonNode official) {
        this.ours = ours;
        this.official = official;
    }

    /** Every difference, one readable line each, in the order of our description; empty when they agree. */
    static List<String> compare(JsonNode ours, JsonNode official) {
        DescriptionComparator comparator = new DescriptionComparator(ours, official);
        comparator.comparePaths();
        return List.copyOf(comparator.differences);
    }

    private void differ(String where, String what) {
        differences.add(where + ": " + what);
    }

    // ---- operations -------------------------------------------------------------------------

    private void comparePaths() {
        String ourBase = basePath(ours);
        String officialBase = basePath(official);
        Map<String, String> officialByWirePath = new LinkedHashMap<>();
        official.path("paths").fieldNames().forEachRemaining(p -> officialByWirePath.put(officialBase + p, p));
        Iterator<Map.Entry<String, JsonNode>> paths = ours.path("paths").fields();
        if (!paths.hasNext()) {
            differ("our description", "has no paths");
        }
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            String wirePath = ourBase + path.getKey();
            String officialPath = officialByWirePath.get(wirePath);
            JsonNode officialItem = officialPath == null ? null : official.path("paths").get(officialPath);
            for (String method : METHODS) {
                JsonNode operation = path.getValue().get(method);
                if (operation == null) {
                    continue;
                }
                String where = method.toUpperCase() + " " + wirePath;
                JsonNode officialOperation = officialItem == null ? null : officialItem.get(method);
                if (officialOperation == null) {
                    differ(where, "no such operation in the official description");
                    continue;
                }
                compareOperation(where, path.getValue(), operation, officialItem, officialOperation);
            }
        }
    }

    /** The path of the first server URL ({@code /v2}), or ""; variables such as {@code {zone}} are in the host. */
    static String basePath(JsonNode root) {
        String url = root.path("servers").path(0).path("url").asText("");
        String path = URI.create(url.replaceAll("[{}]", "")).getRawPath();
        if (path == null || path.equals("/")) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private void compareOperation(String where, JsonNode ourItem, JsonNode operation, JsonNode officialItem,
            JsonNode officialOperation) {
        String ourId = operation.path("operationId").asText(null);
        String officialId = officialOperation.path("operationId").asText(null);
        if (ourId == null || !ourId.equals(officialId)) {
            differ(where, "operationId " + ourId + " (official: " + officialId + ")");
        }
        compareParameters(where, parameters(ours, ourItem, operation), parameters(official, officialItem,
                officialOperation));
        compareRequestBody(where, operation.get("requestBody"), officialOperation.get("requestBody"));
        compareResponses(where, operation.path("responses"), officialOperation.path("responses"));
    }

    /** The operation's parameters with the path item's, by "in name", refs resolved; the operation's win. */
    private Map<String, JsonNode> parameters(JsonNode root, JsonNode item, JsonNode operation) {
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        for (JsonNode list : List.of(item.path("parameters"), operation.path("parameters"))) {
            for (JsonNode parameter : list) {
                JsonNode resolved = resolve(root, parameter);
                byKey.put(resolved.path("in").asText() + " parameter " + resolved.path("name").asText(), resolved);
            }
        }
        return byKey;
    }

    private void compareParameters(String where, Map<String, JsonNode> ourParameters,
            Map<String, JsonNode> officialParameters) {
        ourParameters.forEach((key, parameter) -> {
            String at = where + ": " + key;
            JsonNode officialParameter = officialParameters.get(key);
            if (officialParameter == null) {
                differ(at, "no such parameter in the official description");
                return;
            }
            compareRequired(at, parameter, officialParameter);
            compareSchema(at, parameter.path("schema"), officialParameter.path("schema"), Direction.REQUEST,
                    new HashSet<>());
        });
        officialParameters.forEach((key, parameter) -> {
            if (parameter.path("required").asBoolean(false) && !ourParameters.containsKey(key)) {
                differ(where + ": " + key, "required officially, missing from ours");
            }
        });
    }

    /** A parameter's or a request body's own required flag. */
    private void compareRequired(String where, JsonNode node, JsonNode officialNode) {
        boolean required = node.path("required").asBoolean(false);
        boolean officialRequired = officialNode.path("required").asBoolean(false);
        if (required != officialRequired) {
            differ(where, "required " + required + " (official: " + officialRequired + ")");
        }
    }

    private void compareRequestBody(String where, JsonNode body, JsonNode officialBody) {
        if (body == null) {
            if (officialBody != null && resolve(official, officialBody).path("required").asBoolean(false)) {
                differ(where + ": request body", "required officially, missing from ours");
            }
            return;
        }
        String at = where + ": request body";
        if (officialBody == null) {
            differ(at, "the official operation takes no request body");
            return;
        }
        JsonNode ourResolved = resolve(ours, body);
        JsonNode officialResolved = resolve(official, officialBody);
        compareRequired(at, ourResolved, officialResolved);
        compareContent(at, ourResolved.path("content"), officialResolved.path("content"), Direction.REQUEST);
    }

    private void compareResponses(String where, JsonNode responses, JsonNode officialResponses) {
        responses.fields().forEachRemaining(response -> {
            String at = where + ": response " + response.getKey();
            JsonNode officialResponse = officialResponses.get(response.getKey());
            if (officialResponse == null) {
                differ(at, "no such response in the official description");
                return;
            }
            compareContent(at, resolve(ours, response.getValue()).path("content"),
                    resolve(official, officialResponse).path("content"), Direction.RESPONSE);
        });
    }

    private void compareContent(String where, JsonNode content, JsonNode officialContent, Direction direction) {
        content.fields().forEachRemaining(media -> {
            String at = where + " " + media.getKey();
            JsonNode officialMedia = officialContent.get(media.getKey());
            if (officialMedia == null) {
                differ(at, "no such media type in the official description");
                return;
            }
            compareSchema(at, media.getValue().path("schema"), officialMedia.path("schema"), direction,
                    new HashSet<>());
        });
    }

    // ---- schemas ----------------------------------------------------------------------------

    /**
     * Our schema against the official one at {@code where}, recursively. {@code seen} holds the
     * pairs of references already being compared on this branch, so recursive schemas end.
     */
    private void compareSchema(String where, JsonNode schema, JsonNode officialSchema, Direction direction,
            Set<String> seen) {
        String pair = schema.path("$ref").asText("") + " " + officialSchema.path("$ref").asText("");
        if (!pair.isBlank() && !seen.add(pair)) {
            return;
        }
        JsonNode s = resolve(ours, schema);
        JsonNode o = resolve(official, officialSchema);
        for (String composition : List.of("allOf", "oneOf", "anyOf", "not")) {
            if (s.has(composition) || o.has(composition)) {
                differ(where, composition + " is not compared: describe the field without it");
                return;
            }
        }
        String type = typeOf(s);
        String officialType = typeOf(o);
        if (type == null) {
            differ(where, "our schema has no type (official: " + officialType + ")");
            return;
        }
        if (!type.equals(officialType)) {
            differ(where, "type " + type + " (official: " + officialType + ")");
            return;
        }
        if (s.has("format") && !s.path("format").asText().equals(o.path("format").asText(null))) {
            differ(where, "format " + s.path("format").asText() + " (official: " + o.path("format").asText(null)
                    + ")");
        }
        compareEnum(where, s, o, direction);
        switch (type) {
            case "object" -> compareObject(where, s, o, direction, seen);
            case "array" -> compareSchema(where + "[]", s.path("items"), o.path("items"), direction, seen);
            default -> { }
        }
    }

    private static String typeOf(JsonNode schema) {
        if (schema.has("type")) {
            return schema.path("type").asText();
        }
        return schema.has("properties") || schema.has("additionalProperties") ? "object" : null;
    }

    private void compareEnum(String where, JsonNode s, JsonNode o, Direction direction) {
        Set<String> values = enumOf(s);
        Set<String> officialValues = enumOf(o);
        if (direction == Direction.REQUEST) {
            if (officialValues != null && values == null) {
                differ(where, "no enum, but the official one allows only " + officialValues);
            } else if (values != null && officialValues != null && !officialValues.containsAll(values)) {
                Set<String> extra = new TreeSet<>(values);
                extra.removeAll(officialValues);
                differ(where, "enum values " + extra + " are not allowed officially (official: " + officialValues
                        + ")");
            }
        } else if (values != null && !values.equals(officialValues)) {
            differ(where, "enum " + new TreeSet<>(values) + " (official: "
                    + (officialValues == null ? "no enum" : new TreeSet<>(officialValues)) + ")");
        }
    }

    private static Set<String> enumOf(JsonNode schema) {
        if (!schema.has("enum")) {
            return null;
        }
        Set<String> values = new LinkedHashSet<>();
        schema.path("enum").forEach(v -> values.add(v.asText()));
        return values;
    }

    private void compareObject(String where, JsonNode s, JsonNode o, Direction direction, Set<String> seen) {
        JsonNode officialProperties = o.path("properties");
        s.path("properties").fields().forEachRemaining(property -> {
            String at = where + "." + property.getKey();
            JsonNode officialProperty = officialProperties.get(property.getKey());
            if (officialProperty == null) {
                differ(at, "no such field in the official description");
                return;
            }
            // readOnly and writeOnly may sit beside a $ref, so read them before resolving.
            String forbidden = direction == Direction.REQUEST ? "readOnly" : "writeOnly";
            if (officialProperty.path(forbidden).asBoolean(false)
                    || resolve(official, officialProperty).path(forbidden).asBoolean(false)) {
                differ(at, "the field is " + forbidden + " officially, yet ours "
                        + (direction == Direction.REQUEST ? "sends" : "reads") + " it");
            }
            compareSchema(at, property.getValue(), officialProperty, direction, new HashSet<>(seen));
        });
        Set<String> required = names(s.path("required"));
        Set<String> officialRequired = names(o.path("required"));
        Set<String> missing = new TreeSet<>(direction == Direction.REQUEST ? officialRequired : required);
        missing.removeAll(direction == Direction.REQUEST ? required : officialRequired);
        if (!missing.isEmpty()) {
            differ(where, direction == Direction.REQUEST
                    ? "fields " + missing + " are required officially, not in ours"
                    : "fields " + missing + " are required in ours, not officially");
        }
        JsonNode additional = s.path("additionalProperties");
        if (additional.isObject() && !additional.isEmpty()) {
            JsonNode officialAdditional = o.path("additionalProperties");
            if (officialAdditional.isObject() && !officialAdditional.isEmpty()) {
                compareSchema(where + ".*", additional, officialAdditional, direction, new HashSet<>(seen));
            } else {
                differ(where + ".*", "our map values are typed, the official schema has no additionalProperties"
                        + " schema");
            }
        }
    }

    private static Set<String> names(JsonNode array) {
        Set<String> names = new TreeSet<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }

    /**
     * Follows local {@code $ref}s ({@code #/components/...}) until a node without one; one that
     * leads nowhere is a difference, and gives a missing node.
     */
    private JsonNode resolve(JsonNode root, JsonNode node) {
        JsonNode current = node;
        for (int hops = 0; current.has("$ref"); hops++) {
            String ref = current.path("$ref").asText();
            JsonNode target = ref.startsWith("#/") && hops < 20 ? root.at(ref.substring(1)) : null;
            if (target == null || target.isMissingNode()) {
                differ((root == ours ? "our" : "the official") + " $ref " + ref,
                        "points at nothing (expected a local #/... reference)");
                return MissingNode.getInstance();
            }
            current = target;
        }
        return current;
    }
}

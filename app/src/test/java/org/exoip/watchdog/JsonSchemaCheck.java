package org.exoip.watchdog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON document against the part of JSON Schema that {@code docs/info.schema.json} uses:
 * {@code type} (one or several), {@code enum}, {@code required}, {@code properties},
 * {@code additionalProperties} (false or a schema) and {@code items}. A hand check rather than a
 * validator library: those few keywords are all the schema needs, and a new test dependency for
 * them would weigh more than these lines. A keyword outside them fails the check, so that the
 * schema cannot grow past what is checked.
 */
public final class JsonSchemaCheck {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> KNOWN = List.of("$schema", "$id", "title", "description", "type", "enum",
            "required", "properties", "additionalProperties", "items");

    private JsonSchemaCheck() {
    }

    public static JsonNode schema() throws IOException {
        return JSON.readTree(Path.of(System.getProperty("user.dir")).resolveSibling("docs").resolve("info.schema.json")
                .toFile());
    }

    /** Every violation, each with its JSON path; empty when the document is valid. */
    public static List<String> violations(JsonNode schema, JsonNode value) {
        List<String> out = new ArrayList<>();
        check(schema, value, "$", out);
        return out;
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> out) {
        for (Iterator<String> names = schema.fieldNames(); names.hasNext();) {
            String keyword = names.next();
            if (!KNOWN.contains(keyword)) {
                out.add(path + ": schema keyword " + keyword + " is not checked");
            }
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            List<String> types = new ArrayList<>();
            if (type.isArray()) {
                type.forEach(t -> types.add(t.asText()));
            } else {
                types.add(type.asText());
            }
            if (types.stream().noneMatch(t -> is(t, value))) {
                out.add(path + ": " + value.getNodeType() + " (expected: " + types + ")");
                return;
            }
        }
        JsonNode allowed = schema.get("enum");
        if (allowed != null) {
            boolean found = false;
            for (JsonNode option : allowed) {
                found |= option.equals(value);
            }
            if (!found) {
                out.add(path + ": " + value + " (expected one of " + allowed + ")");
            }
        }
        if (value.isObject()) {
            JsonNode required = schema.get("required");
            if (required != null) {
                required.forEach(r -> {
                    if (!value.has(r.asText())) {
                        out.add(path + ": missing " + r.asText());
                    }
                });
            }
            JsonNode properties = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext();) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode sub = properties == null ? null : properties.get(field.getKey());
                if (sub != null) {
                    check(sub, field.getValue(), path + "." + field.getKey(), out);
                } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
                    out.add(path + ": field " + field.getKey() + " not in the schema");
                } else if (additional != null && additional.isObject()) {
                    check(additional, field.getValue(), path + "." + field.getKey(), out);
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), path + "[" + i + "]", out);
            }
        }
    }

    private static boolean is(String type, JsonNode value) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "null" -> value.isNull();
            default -> false;
        };
    }
}

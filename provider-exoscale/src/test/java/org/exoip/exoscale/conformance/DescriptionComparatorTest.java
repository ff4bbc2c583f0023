package org.exoip.exoscale.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DescriptionComparator} on our own description against an altered copy of itself
 * standing in for the official one: each alteration gives exactly its one line.
 */
class DescriptionComparatorTest {

    private JsonNode ours;
    private ObjectNode official;

    @BeforeEach
    void read() {
        ours = Descriptions.read(Descriptions.ours());
        official = ours.deepCopy();
    }

    private ObjectNode at(JsonNode root, String pointer) {
        return (ObjectNode) root.at(pointer);
    }

    private static ArrayNode values(ObjectNode schema, String... values) {
        ArrayNode array = schema.putArray("enum");
        for (String value : values) {
            array.add(value);
        }
        return array;
    }

    private List<String> differences() {
        return DescriptionComparator.compare(ours, official);
    }

    @Test
    void aDescriptionAgreesWithItself() {
        assertEquals(List.of(), differences());
    }

    @Test
    void theVersionPrefixMayBeInTheServerUrlOrInThePaths() {
        official.putArray("servers").addObject().put("url", "http://127.0.0.1:8080");
        ObjectNode paths = official.putObject("paths");
        ours.path("paths").fields().forEachRemaining(p -> paths.set("/v2" + p.getKey(), p.getValue()));

        assertEquals(List.of(), differences());
        assertEquals("/v2", DescriptionComparator.basePath(ours));
        assertEquals("", DescriptionComparator.basePath(official));
    }

    @Test
    void aQueryEnumWiderThanTheOfficialOneIsADifference() {
        // The mismatch this check was written for: sks-nodepool is a manager type, not a filter.
        values(at(ours, "/paths/~1instance/get/parameters/1/schema"), "instance-pool", "sks-nodepool");

        assertEquals(List.of("GET /v2/instance: query parameter manager-type: enum values [sks-nodepool] are not"
                + " allowed officially (official: [instance-pool])"), differences());
    }

    @Test
    void aNarrowerQueryEnumIsFine() {
        values(at(official, "/paths/~1security-group/get/parameters/0/schema"), "private", "public", "shared");

        assertEquals(List.of(), differences());
    }

    @Test
    void aResponseEnumMustEqualTheOfficialOne() {
        values(at(official, "/components/schemas/operation-state"), "pending", "success", "failure", "timeout",
                "cancelled");

        assertEquals(List.of(
                "PUT /v2/elastic-ip/{id}: response 200 application/json.state: enum [failure, pending, success,"
                        + " timeout] (official: [cancelled, failure, pending, success, timeout])",
                "PUT /v2/elastic-ip/{id}:attach: response 200 application/json.state: enum [failure, pending, success,"
                        + " timeout] (official: [cancelled, failure, pending, success, timeout])",
                "PUT /v2/elastic-ip/{id}:detach: response 200 application/json.state: enum [failure, pending, success,"
                        + " timeout] (official: [cancelled, failure, pending, success, timeout])",
                "GET /v2/operation/{id}: response 200 application/json.state: enum [failure, pending, success,"
                        + " timeout] (official: [cancelled, failure, pending, success, timeout])"),
                differences());
    }

    @Test
    void aFieldOfADifferentTypeIsADifference() {
        at(official, "/components/schemas/elastic-ip/properties/cidr").put("type", "integer");

        assertEquals(List.of(
                "GET /v2/elastic-ip: response 200 application/json.elastic-ips[].cidr: type string (official: integer)",
                "GET /v2/elastic-ip/{id}: response 200 application/json.cidr: type string (official: integer)"),
                differences());
    }

    @Test
    void aFieldUnknownOfficiallyIsADifferenceEvenDeepInside() {
        at(official, "/components/schemas/private-network-ref/properties").remove("mac-address");

        assertEquals(List.of(
                "GET /v2/instance: response 200 application/json.instances[].private-networks[].mac-address: no such"
                        + " field in the official description",
                "GET /v2/instance/{id}: response 200 application/json.private-networks[].mac-address: no such field"
                        + " in the official description"),
                differences());
    }

    @Test
    void aStatedFormatMustBeTheOfficialOneButMayBeLeftOut() {
        at(official, "/components/schemas/operation/properties/message").put("format", "markdown");
        at(official, "/components/parameters/id/schema").put("format", "ulid");

        List<String> got = differences();

        // Nine operations take {id}; each says so once. message has no format of ours: fine.
        assertEquals(9, got.size(), String.join("\n", got));
        assertEquals("GET /v2/elastic-ip/{id}: path parameter id: format uuid (official: ulid)", got.get(0));
    }

    @Test
    void operationsAndTheirIdsMustMatch() {
        at(official, "/paths/~1operation~1{id}/get").put("operationId", "fetch-operation");
        at(official, "/paths").remove("/security-group/{id}");
        at(official, "/paths/~1instance").set("post", at(official, "/paths/~1instance").remove("get"));

        assertEquals(List.of(
                "GET /v2/instance: no such operation in the official description",
                "GET /v2/security-group/{id}: no such operation in the official description",
                "GET /v2/operation/{id}: operationId get-operation (official: fetch-operation)"),
                differences());
    }

    @Test
    void parametersMustExistAndAgreeOnRequired() {
        ObjectNode list = at(official, "/paths/~1instance/get");
        ArrayNode parameters = (ArrayNode) list.path("parameters");
        parameters.remove(3); // labels
        ((ObjectNode) parameters.get(2)).put("required", true); // ip-address
        parameters.addObject().put("name", "zone").put("in", "query").put("required", true)
                .putObject("schema").put("type", "string");

        assertEquals(List.of(
                "GET /v2/instance: query parameter ip-address: required false (official: true)",
                "GET /v2/instance: query parameter labels: no such parameter in the official description",
                "GET /v2/instance: query parameter zone: required officially, missing from ours"),
                differences());
    }

    @Test
    void whatTheApiRequiresInARequestWeRequireToo() {
        ObjectNode target = at(official, "/components/schemas/instance-target");
        target.putArray("required").add("instance").add("force");
        target.with("properties").putObject("force").put("type", "boolean");
        at(official, "/components/schemas/resource-ref/properties/id").put("readOnly", true);

        assertEquals(List.of(
                "PUT /v2/elastic-ip/{id}:attach: request body application/json.instance.id: the field is readOnly"
                        + " officially, yet ours sends it",
                "PUT /v2/elastic-ip/{id}:attach: request body application/json: fields [force] are required"
                        + " officially, not in ours",
                "PUT /v2/elastic-ip/{id}:detach: request body application/json.instance.id: the field is readOnly"
                        + " officially, yet ours sends it",
                "PUT /v2/elastic-ip/{id}:detach: request body application/json: fields [force] are required"
                        + " officially, not in ours"),
                onlyWrites(differences()));
    }

    /** resource-ref is read in answers too; these tests look at the request side. */
    private static List<String> onlyWrites(List<String> lines) {
        return lines.stream().filter(l -> l.contains("request body")).toList();
    }

    @Test
    void aBrokenReferenceIsADifferenceNotACrash() {
        at(official, "/components/schemas").remove("manager");

        List<String> got = differences();

        assertEquals("the official $ref #/components/schemas/manager: points at nothing (expected a local #/..."
                + " reference)", got.get(0));
    }

    @Test
    void responseCodesAndMediaTypesMustExist() {
        at(official, "/paths/~1elastic-ip/get/responses").set("201",
                at(official, "/paths/~1elastic-ip/get/responses").remove("200"));
        ObjectNode content = at(official, "/paths/~1operation~1{id}/get/responses/200/content");
        content.set("application/problem+json", content.remove("application/json"));

        assertEquals(List.of(
                "GET /v2/elastic-ip: response 200: no such response in the official description",
                "GET /v2/operation/{id}: response 200 application/json: no such media type in the official"
                        + " description"),
                differences());
    }

    @Test
    void aDifferenceInASchemaUsedOnceIsReportedOnce() {
        at(official, "/components/schemas/instance/properties/name").put("type", "integer");

        List<String> got = differences();

        assertEquals(List.of("GET /v2/instance/{id}: response 200 application/json.name: type string (official:"
                + " integer)"), got);
    }
}

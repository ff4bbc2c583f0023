package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code info json}: the document against docs/info.schema.json, and README's example, which is this test's output. */
class InfoJsonTest {

    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");
    private static final UUID PEER = UUID.fromString("00000000-0000-4000-8000-000000000002");
    private static final String BEGIN = "<!-- info-json-example: written by InfoJsonTest -->";

    /** A backup held out of the election by exoip handover, its peer master: every kind of field filled. */
    static InfoJson.Node example() {
        Map<String, Long> dropped = new LinkedHashMap<>();
        dropped.put("length", 0L);
        dropped.put("unknown-sender", 3L);
        dropped.put("unsigned-request", 1L);
        return new InfoJson.Node(SELF, 1000, 3, Optional.of("2026-11-22T04:00:00.120Z"), Optional.of(380L),
                List.of(new InfoJson.Address("198.51.100.50", "BACKUP", 255, Optional.of(PEER),
                        Optional.of(Set.of(PEER)), Optional.empty(),
                        List.of("held by exoip handover until 2026-11-22T04:10:00.000Z"),
                        Optional.of("2026-11-22T04:10:00.000Z"), Optional.of(7L), Optional.of(PEER),
                        Optional.empty())),
                new InfoJson.Readiness(true, true, "ready, proven 3.012s ago in 0.035s"),
                List.of(new InfoJson.Peer("192.0.2.11", Optional.of(PEER), Optional.of(20), true,
                                Optional.of("2026-11-22T04:00:00.088Z"), Optional.of(412L)),
                        new InfoJson.Peer("192.0.2.12", Optional.empty(), Optional.empty(), false,
                                Optional.empty(), Optional.empty())),
                new InfoJson.Stalls(1, Optional.of(1830L), Optional.of(95000L)), "plain", dropped);
    }

    @Test
    void theExampleValidatesAndIsReadmes() throws Exception {
        String rendered = InfoJson.render(example());
        JsonNode document = JsonSchemaCheck.JSON.readTree(rendered);
        assertEquals(List.of(), JsonSchemaCheck.violations(JsonSchemaCheck.schema(), document));
        assertEquals(rendered, readmeExample(), "README's example is this test's output: paste it there");
    }

    @Test
    void theCheckCatchesAMissingFieldAWrongTypeAndAStrayField() throws Exception {
        JsonNode schema = JsonSchemaCheck.schema();
        var document = (com.fasterxml.jackson.databind.node.ObjectNode) JsonSchemaCheck.JSON.readTree(
                InfoJson.render(example()));
        document.remove("peers");
        document.put("interval_ms", "1s");
        document.put("surprise", true);
        ((com.fasterxml.jackson.databind.node.ObjectNode) document.get("elastic_ips").get(0)).put("state", "LEADER");
        List<String> violations = JsonSchemaCheck.violations(schema, document);
        assertTrue(violations.contains("$: missing peers"), violations.toString());
        assertTrue(violations.contains("$.interval_ms: STRING (expected: [integer])"), violations.toString());
        assertTrue(violations.contains("$: field surprise not in the schema"), violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.startsWith("$.elastic_ips[0].state: \"LEADER\"")),
                violations.toString());
    }

    /** The fenced block after the marker line in README.md. */
    private static String readmeExample() throws Exception {
        List<String> lines = Files.readAllLines(Path.of(System.getProperty("user.dir")).resolveSibling("README.md"));
        int at = lines.indexOf(BEGIN);
        assertFalse(at < 0, "README.md has no line " + BEGIN);
        StringBuilder out = new StringBuilder();
        for (int i = at + 2; !lines.get(i).equals("```"); i++) {
            out.append(lines.get(i)).append('\n');
        }
        return out.toString();
    }
}

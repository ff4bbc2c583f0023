package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** --log-format json: one object a line, with the structured fields at the top level. */
class JsonLineLayoutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final CapturedStreams streams = new CapturedStreams();
    private final Logger log = LogManager.getLogger("org.exoip.test.Json");

    @AfterEach
    void reset() {
        Logging.reset();
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (String line : streams.outLines()) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    @Test
    void oneObjectALineWithTimeLevelNodeAndMessage() throws Exception {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-j", Path.of("/nonexistent"), LogFormat.JSON,
                streams.out, streams.err);
        log.info("hello {}", "world");
        log.debug("not written");
        List<JsonNode> lines = lines();
        assertEquals(1, lines.size(), streams.outText());
        JsonNode line = lines.get(0);
        assertEquals("INFO", line.get("level").asText());
        assertEquals("node-j", line.get("node").asText());
        assertEquals("hello world", line.get("message").asText());
        assertEquals("org.exoip.test.Json", line.get("logger").asText());
        assertTrue(line.get("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                line.toString());
        assertFalse(line.has("error"), line.toString());
    }

    @Test
    void structuredFieldsAreTopLevel() throws Exception {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-j", Path.of("/nonexistent"), LogFormat.JSON,
                streams.out, streams.err);
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "state_change")
                .put("from", "BACKUP").put("to", "MASTER")) {
            log.info("State BACKUP -> MASTER");
        }
        log.info("after");
        List<JsonNode> lines = lines();
        assertEquals("state_change", lines.get(0).get("event").asText());
        assertEquals("MASTER", lines.get(0).get("to").asText());
        assertFalse(lines.get(1).has("event"), lines.get(1).toString());
        assertFalse(lines.get(0).has("fields"), lines.get(0).toString());
    }

    @Test
    void numericFieldsAreJsonNumbersAndTheRestStrings() throws Exception {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-j", Path.of("/nonexistent"), LogFormat.JSON,
                streams.out, streams.err);
        try (CloseableThreadContext.Instance fields = CloseableThreadContext.put("event", "api_call")
                .put("duration_ms", "114").put("ratio", "0.25").put("negative", "-3").put("zero", "0")
                .put("padded", "007").put("exponent", "1e5").put("version", "1.2.3").put("instance", "42-a")) {
            log.info("API detach: success in 114 ms");
        }
        JsonNode line = lines().get(0);
        assertTrue(line.get("duration_ms").isIntegralNumber(), line.toString());
        assertEquals(114, line.get("duration_ms").asLong());
        assertTrue(line.get("ratio").isNumber(), line.toString());
        assertEquals(0.25, line.get("ratio").asDouble());
        assertEquals(-3, line.get("negative").asLong());
        assertTrue(line.get("zero").isNumber(), line.toString());
        for (String text : List.of("event", "padded", "exponent", "version", "instance")) {
            assertTrue(line.get(text).isTextual(), text + " stays a string: " + line);
        }
        assertTrue(line.get("node").isTextual(), line.toString());
    }

    @Test
    void secretsAreMaskedAndErrorsAreFields() throws Exception {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-j", Path.of("/nonexistent"), LogFormat.JSON,
                streams.out, streams.err);
        Secrets.register("very-secret-value-123");
        log.warn("leak very-secret-value-123", new IllegalStateException("boom very-secret-value-123"));
        JsonNode line = lines().get(0);
        assertFalse(streams.outText().contains("very-secret-value-123"), streams.outText());
        assertEquals("leak " + Secrets.MASK, line.get("message").asText());
        assertEquals("java.lang.IllegalStateException", line.get("error_class").asText());
        assertFalse(line.has("stack_trace"), "stack traces only at DEBUG");
    }

    @Test
    void aLineOnStandardErrorIsTextOrAJsonObjectShapedLikeALogLine() throws Exception {
        org.apache.logging.log4j.ThreadContext.remove(Logging.NODE_KEY);
        Secrets.register("very-secret-value-123");
        assertEquals("exoip: cannot attach (" + Secrets.MASK + ")", Logging.standardErrorLine(LogFormat.TEXT,
                Level.ERROR, "cannot attach (very-secret-value-123)", java.util.Map.of("exit_code", "1")));
        String json = Logging.standardErrorLine(LogFormat.JSON, Level.ERROR, "cannot attach (very-secret-value-123)",
                java.util.Map.of("exit_code", "1", "hint", "see 007"));
        assertFalse(json.contains("very-secret-value-123"), json);
        assertFalse(json.contains("\n"), json);
        JsonNode line = JSON.readTree(json);
        assertEquals("ERROR", line.get("level").asText());
        assertEquals("cannot attach (" + Secrets.MASK + ")", line.get("message").asText());
        assertEquals("exoip", line.get("logger").asText());
        assertEquals("exoip", line.get("node").asText(), "no node yet");
        assertTrue(line.get("exit_code").isIntegralNumber(), json);
        assertEquals("see 007", line.get("hint").asText());
        assertTrue(line.has("time") && line.has("thread"), json);
    }

    @Test
    void textStaysTheDefault() {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "node-t", Path.of("/nonexistent"), streams.out, streams.err);
        log.info("plain");
        assertTrue(streams.outText().matches("(?s)\\S+ INFO  \\[node-t\\] Json: plain\\R"), streams.outText());
    }
}

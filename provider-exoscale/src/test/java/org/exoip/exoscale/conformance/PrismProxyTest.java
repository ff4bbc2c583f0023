package org.exoip.exoscale.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The official description as {@link PrismProxy} hands it to Prism: only the known quirks adjusted. */
class PrismProxyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void pathsGetTheServersPrefixActionPathsComeLastAndTheServerIsTheUpstream() throws Exception {
        JsonNode official = JSON.readTree("""
                {"openapi": "3.0.0",
                 "servers": [{"url": "https://api-{zone}.exoscale.com/v2",
                              "variables": {"zone": {"default": "ch-gva-2"}}}],
                 "paths": {
                   "/elastic-ip/{id}:attach": {"put": {"operationId": "attach"}},
                   "/elastic-ip/{id}": {"get": {"operationId": "get"}},
                   "/instance": {"get": {"operationId": "list"}}
                 },
                 "components": {"schemas": {"x": {"type": "string"}}}}
                """);

        JsonNode adjusted = PrismProxy.forProxy(official, URI.create("http://127.0.0.1:4711"));

        List<String> paths = new ArrayList<>();
        adjusted.path("paths").fieldNames().forEachRemaining(paths::add);
        assertEquals(List.of("/v2/elastic-ip/{id}", "/v2/instance", "/v2/elastic-ip/{id}:attach"), paths);
        assertEquals("attach", adjusted.at("/paths/~1v2~1elastic-ip~1{id}:attach/put/operationId").asText());
        assertEquals(JSON.readTree("[{\"url\": \"http://127.0.0.1:4711\"}]"), adjusted.path("servers"));
        // Nothing else changes.
        assertEquals(official.path("components"), adjusted.path("components"));
        assertEquals("3.0.0", adjusted.path("openapi").asText());
        assertEquals("/elastic-ip/{id}:attach", official.path("paths").fieldNames().next(), "the input is untouched");
    }
}

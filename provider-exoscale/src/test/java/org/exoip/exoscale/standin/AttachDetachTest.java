package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Attach and detach through the API change the holders when their operation completes, and are recorded. */
class AttachDetachTest extends StandinTestBase {

    private final ManualClock clock = new ManualClock();

    @Override
    StandinClock clock() {
        return clock;
    }

    @Test
    void attachAndDetachChangeHoldersAndAreRecorded() throws Exception {
        JsonNode attached = operate("attach", node1);
        assertEquals("success", attached.get("state").asText());
        assertEquals(Set.of(node1), state.holders(eip));

        clock.advance(Duration.ofMillis(250));
        operate("attach", node2);
        clock.advance(Duration.ofMillis(100));
        operate("detach", node1);
        assertEquals(Set.of(node2), state.holders(eip));

        List<AttachmentEvent> events = server.events();
        assertEquals(3, events.size());
        assertEvent(events.get(0), AttachmentEvent.Kind.ATTACH, node1, Set.of(node1));
        assertEvent(events.get(1), AttachmentEvent.Kind.ATTACH, node2, Set.of(node1, node2));
        assertEvent(events.get(2), AttachmentEvent.Kind.DETACH, node1, Set.of(node2));
        assertEquals(Duration.ofMillis(250).toNanos(), events.get(1).nanos() - events.get(0).nanos());
        assertEquals(Duration.ofMillis(100), Duration.between(events.get(1).at(), events.get(2).at()));
    }

    @Test
    void attachingAHolderAgainFailsWithConflictAndChangesNothing() throws Exception {
        operate("attach", node1);
        JsonNode again = operate("attach", node1);
        assertEquals("failure", again.get("state").asText());
        assertEquals("conflict", again.get("reason").asText());
        assertTrue(again.get("message").asText().contains("already attached"));
        assertEquals(Set.of(node1), state.holders(eip));
        assertEquals(1, server.events().size());
    }

    @Test
    void detachingANonHolderFailsWithConflict() throws Exception {
        JsonNode op = operate("detach", node3);
        assertEquals("failure", op.get("state").asText());
        assertEquals("conflict", op.get("reason").asText());
        assertTrue(server.events().isEmpty());
    }

    @Test
    void operationStaysPendingForTheDelayThenSucceeds() throws Exception {
        state.setOperationDelay(Duration.ofSeconds(2));
        JsonNode op = operate("attach", node1);
        String id = op.get("id").asText();
        assertEquals("pending", op.get("state").asText());

        clock.advance(Duration.ofMillis(1999));
        assertEquals("pending", json(get("/operation/" + id)).get("state").asText());
        assertEquals(0, json(get("/instance/" + node1)).get("elastic-ips").size());
        assertTrue(server.events().isEmpty());

        clock.advance(Duration.ofMillis(1));
        assertEquals("success", json(get("/operation/" + id)).get("state").asText());
        assertEquals(eip, json(get("/instance/" + node1)).get("elastic-ips").get(0).get("id").asText());
        AttachmentEvent event = server.events().get(0);
        assertEquals(clock.nanos(), event.nanos(), "recorded when it took effect");
        assertEquals(clock.now(), event.at());
    }

    @Test
    void conflictIsDecidedWhenTheOperationCompletes() throws Exception {
        state.setOperationDelay(Duration.ofSeconds(1));
        String first = operate("attach", node1).get("id").asText();
        String second = operate("attach", node1).get("id").asText();
        clock.advance(Duration.ofSeconds(1));
        assertEquals("success", state.operation(first).orElseThrow().state());
        assertEquals("conflict", state.operation(second).orElseThrow().reason());
    }

    @Test
    void directChangesBypassTheApiButAreRecorded() {
        assertTrue(state.attach(EIP_ADDRESS, "node-3"));
        assertFalse(state.attach(eip, node3));
        assertTrue(state.detach(eip, node3));
        assertFalse(state.detach(eip, node3));
        assertEquals(2, state.events().size());
        assertThrows(NoSuchElementException.class, () -> state.attach("192.0.2.99", node1));
        assertThrows(NoSuchElementException.class, () -> state.attach(eip, "node-9"));
    }

    @Test
    void removingAnInstanceDetachesIt() {
        state.attach(eip, node2);
        state.removeInstance("node-2");
        assertTrue(state.holders(eip).isEmpty());
        assertEquals(AttachmentEvent.Kind.DETACH, state.events().get(1).kind());
        assertTrue(state.findInstance("node-2").isEmpty());
    }

    @Test
    void delayedOperationsCompleteOnTheirOwnOnTheSystemClock() throws Exception {
        try (StandinServer real = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            StandinState world = real.state();
            String vip = world.addElasticIp("192.0.2.20").id();
            String a = world.addInstance("a", "127.0.0.1").id();
            world.setOperationDelay(Duration.ofMillis(30));
            StandinState.Operation op = world.startOperation(AttachmentEvent.Kind.ATTACH, vip, a, null);
            assertTrue(op.isPending());
            // Nobody reads in between: the timer completes it, and the waiter is woken.
            assertTrue(world.awaitHolders(vip, h -> h.contains(a), Duration.ofSeconds(10)));
            assertEquals("success", world.operation(op.id()).orElseThrow().state());
        }
    }

    @Test
    void concurrentRequestsKeepHoldersAndEventsConsistent() throws Exception {
        List<String> nodes = List.of(node1, node2, node3);
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String action = i % 2 == 0 ? "attach" : "detach";
            String body = "{\"instance\":{\"id\":\"" + nodes.get(i % 3) + "\"}}";
            sent.add(client.sendAsync(signed("PUT", api("/elastic-ip/" + eip + ":" + action), body).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        int succeeded = 0;
        for (CompletableFuture<HttpResponse<String>> response : sent) {
            JsonNode op = json(response.get(30, TimeUnit.SECONDS));
            if (op.get("state").asText().equals("success")) {
                succeeded++;
            } else {
                assertEquals("conflict", op.get("reason").asText());
            }
        }
        // Replaying the events gives the final holders, and each success is exactly one event.
        Set<String> replayed = new HashSet<>();
        for (AttachmentEvent event : server.events()) {
            assertTrue(event.kind() == AttachmentEvent.Kind.ATTACH ? replayed.add(event.instanceId())
                    : replayed.remove(event.instanceId()), "every event is a change");
            assertEquals(replayed, event.holdersAfter());
        }
        assertEquals(state.holders(eip), replayed);
        assertEquals(succeeded, server.events().size());
    }

    private static void assertEvent(AttachmentEvent event, AttachmentEvent.Kind kind, String instance,
            Set<String> holders) {
        assertEquals(kind, event.kind());
        assertEquals(instance, event.instanceId());
        assertEquals(holders, event.holdersAfter());
    }
}

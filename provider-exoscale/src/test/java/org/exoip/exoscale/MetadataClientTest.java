package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import org.exoip.exoscale.ScriptedServer.Reply;
import org.exoip.exoscale.standin.StandinServer;
import org.junit.jupiter.api.Test;

class MetadataClientTest {

    private static final String ID = "0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a";

    @Test
    void readsItsOwnIdentityFromTheStandin() throws Exception {
        try (StandinServer server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // The stand-in answers for the instance whose public IP is the caller's address.
            server.state().addInstance(ID, "self", "127.0.0.1", List.of("exoip"));
            server.state().setZone("de-fra-1");
            MetadataClient metadata = MetadataClient.builder().base(server.metadataBase()).build();

            assertEquals(UUID.fromString(ID), metadata.instanceId());
            assertEquals("de-fra-1", metadata.availabilityZone());
            assertEquals(Ipv4.parse("127.0.0.1").orElseThrow(), metadata.publicIpv4());
        }
    }

    @Test
    void anUnknownCallerGetsA404ThatNamesTheUrlAndWhatWasExpected() throws Exception {
        try (StandinServer server = StandinServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            MetadataClient metadata = MetadataClient.builder().base(server.metadataBase()).build();

            ExoscaleException e = assertThrows(ExoscaleException.class, metadata::instanceId);

            assertEquals(OptionalInt.of(404), e.status());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().startsWith("read " + server.metadataBase() + "/instance-id failed: 404 answer "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(expected: 200 with the instance's UUID)"), e.getMessage());
        }
    }

    @Test
    void valuesAreTrimmed() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(Reply.text(200, "text/plain", "  " + ID + "\n"), Reply.text(200, "text/plain", "ch-gva-2\r\n"));
            MetadataClient metadata = client(server, Duration.ofSeconds(2));

            assertEquals(UUID.fromString(ID), metadata.instanceId());
            assertEquals("ch-gva-2", metadata.availabilityZone());
            assertEquals("/latest/meta-data/instance-id", server.requests().get(0).uri().getPath());
        }
    }

    @Test
    void anHtmlPageIsRefusedQuotingAtMostSixtyCharacters() throws Exception {
        String page = "<!DOCTYPE html>\n<html><head><title>Welcome to the hotel Wi-Fi</title></head>"
                + "<body>" + "Please log in. ".repeat(20) + "</body></html>";
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(Reply.text(200, "text/html", page));
            MetadataClient metadata = client(server, Duration.ofSeconds(2));

            ExoscaleException e = assertThrows(ExoscaleException.class, metadata::instanceId);

            assertFalse(e.retryable());
            String quoted = "\"" + page.replace("\n", "\\n").substring(0, MetadataClient.QUOTE_LENGTH) + "…\"";
            assertEquals("read " + server.base() + "/latest/meta-data/instance-id failed: 200 answer " + quoted
                    + " (expected: the instance's UUID)", e.getMessage());
        }
    }

    @Test
    void notAUuidNotAZoneNotAnAddressAreRefused() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(Reply.text(200, "text/plain", "i-0123456789"),
                    Reply.text(200, "text/plain", "1-2-3-4-5"),
                    Reply.text(200, "text/plain", "Geneva"),
                    Reply.text(200, "text/plain", "203.0.113.300"),
                    Reply.text(200, "text/plain", "example.com"));
            MetadataClient metadata = client(server, Duration.ofSeconds(2));

            assertTrue(assertThrows(ExoscaleException.class, metadata::instanceId).getMessage()
                    .endsWith("answer \"i-0123456789\" (expected: the instance's UUID)"));
            assertThrows(ExoscaleException.class, metadata::instanceId, "a UUID in a short form is refused");
            assertTrue(assertThrows(ExoscaleException.class, metadata::availabilityZone).getMessage()
                    .endsWith("answer \"Geneva\" (expected: a zone name such as ch-gva-2)"));
            assertTrue(assertThrows(ExoscaleException.class, metadata::publicIpv4).getMessage()
                    .endsWith("answer \"203.0.113.300\" (expected: an IPv4 address)"));
            assertTrue(assertThrows(ExoscaleException.class, metadata::publicIpv4).getMessage()
                    .endsWith("answer \"example.com\" (expected: an IPv4 address)"), "names are never resolved");
        }
    }

    @Test
    void aServerErrorIsRetryable() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(Reply.text(503, "text/plain", "try later"));

            ExoscaleException e = assertThrows(ExoscaleException.class, client(server, Duration.ofSeconds(2))::instanceId);

            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("failed: 503 answer \"try later\""), e.getMessage());
        }
    }

    @Test
    void noAnswerTimesOutNamingTheUrl() throws Exception {
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(Reply.noAnswer());

            ExoscaleException e = assertThrows(ExoscaleException.class,
                    client(server, Duration.ofMillis(200))::availabilityZone);

            assertTrue(e.retryable());
            assertEquals("read " + server.base() + "/latest/meta-data/availability-zone failed: no answer within 200 ms"
                    + " (expected: a zone name such as ch-gva-2)", e.getMessage());
        }
    }

    @Test
    void theDefaultIsTheRealMetadataServerButATrailingSlashIsDropped() {
        assertEquals(URI.create("http://169.254.169.254/latest/meta-data"), MetadataClient.builder().build().base());
        assertEquals(URI.create("http://127.0.0.1:1/latest/meta-data"),
                MetadataClient.builder().base(URI.create("http://127.0.0.1:1/latest/meta-data/")).build().base());
        assertThrows(IllegalArgumentException.class, () -> MetadataClient.builder().base(URI.create("file:///etc")));
    }

    private static MetadataClient client(ScriptedServer server, Duration timeout) {
        return MetadataClient.builder().base(URI.create(server.base() + "/latest/meta-data")).timeout(timeout).build();
    }
}

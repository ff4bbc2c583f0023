package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.net.Inet4Address;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Fuzz tests of what the cloud and the metadata server may answer: the API error-body parser and
 * the metadata value checks never throw, and what they return fits one log line or is a value in
 * canonical form. Seeds under {@code ParsersFuzzTestInputs/} run as plain tests in every build;
 * {@code JAZZER_FUZZ=1 mvn -pl provider-exoscale test -Dtest='ParsersFuzzTest#errorBody'} fuzzes.
 */
class ParsersFuzzTest {

    @FuzzTest(maxDuration = "20s")
    void errorBody(String body) {
        if (body == null) {
            assertEquals("", ErrorBody.message(null));
            return;
        }
        String message = ErrorBody.message(body);
        assertTrue(message.length() <= ErrorBody.MAX_LENGTH, message);
        assertFalse(message.contains("\n") || message.contains("\r") || message.contains("\t"), message);
        // Found by fuzzing: an HTML page without text gave "HTML page: ", with a trailing blank.
        assertEquals(message.strip(), message);
        if (body.isBlank()) {
            assertEquals("", message);
        }
    }

    /** The three metadata values, checked as {@code MetadataClient.read} checks them (after strip). */
    @FuzzTest(maxDuration = "20s")
    void metadataValues(@NotNull String body) {
        String text = body.strip();
        Optional<UUID> id = MetadataClient.uuid(text);
        id.ifPresent(uuid -> assertEquals(text.toLowerCase(Locale.ROOT), uuid.toString(),
                "only the canonical 36-character form"));
        Optional<String> zone = MetadataClient.zone(text);
        zone.ifPresent(z -> assertTrue(ExoscaleClient.ZONE.matcher(z).matches(), z));
        Optional<Inet4Address> ip = Ipv4.parse(text);
        // Decimal parts, as documented: found by fuzzing, "198.151.00.0" is accepted as 198.151.0.0
        // (leading zeros, which inet_aton would read as octal); reported to the owner.
        ip.ifPresent(address -> assertEquals(decimal(text), address.getHostAddress(), "parts read as decimal"));
        String quoted = MetadataClient.quote(body);
        assertTrue(quoted.length() <= MetadataClient.QUOTE_LENGTH + 3, quoted);
        assertFalse(quoted.contains("\n") || quoted.contains("\r"), quoted);
    }

    @Test
    void anIdOf36CharactersInOtherGroupsIsNotAnId() {
        assertEquals(Optional.empty(), MetadataClient.uuid("1128bd5d56-b4d9-4ac6-a7b9-c7b187ce11"));
        assertEquals(Optional.of(UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11")),
                MetadataClient.uuid("1128BD56-b4d9-4ac6-a7b9-c715b187ce11"));
    }

    private static String decimal(String dottedQuad) {
        String[] parts = dottedQuad.split("\\.");
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            out.append(out.length() == 0 ? "" : ".").append(Integer.parseInt(part));
        }
        return out.toString();
    }
}

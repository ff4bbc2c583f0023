package org.exoip.exoscale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Settings are checked when the client is built; nothing here sends a request. */
class ExoscaleClientBuilderTest {

    private static ExoscaleClient.Builder valid() {
        return ExoscaleClient.builder().endpoint(URI.create("http://127.0.0.1:1/v2/")).apiKey("EXOkey")
                .apiSecret("builder-secret");
    }

    @Test
    void aZoneNamesItsEndpoint() {
        assertEquals(URI.create("https://api-de-fra-1.exoscale.com/v2"), ExoscaleClient.endpointOf("de-fra-1"));
        assertThrows(IllegalArgumentException.class, () -> ExoscaleClient.endpointOf("Frankfurt"));
        assertThrows(IllegalArgumentException.class, () -> ExoscaleClient.builder().zone("de-fra-1.evil.example"));
    }

    @Test
    void theEndpointLosesATrailingSlashAndToStringHidesTheSecret() {
        ExoscaleClient client = valid().build();
        assertEquals(URI.create("http://127.0.0.1:1/v2"), client.endpoint());
        assertFalse(client.toString().contains("builder-secret"), client.toString());
    }

    @Test
    void missingOrImpossibleSettingsAreRefused() {
        assertTrue(assertThrows(IllegalStateException.class, () -> valid().apiKey(" ").build())
                .getMessage().contains("API key"));
        assertTrue(assertThrows(IllegalStateException.class, () -> valid().apiSecret(null).build())
                .getMessage().contains("API secret"));
        assertThrows(IllegalStateException.class, () -> ExoscaleClient.builder().apiKey("k").apiSecret("s").build());
        assertThrows(IllegalStateException.class, () -> valid().endpoint(URI.create("ftp://127.0.0.1/v2")).build());
        assertThrows(IllegalArgumentException.class, () -> valid().requestTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> valid().connectTimeout(Duration.ofSeconds(-1)));
    }

    @Test
    void schedulesRefuseWhatFailsafeCannotDo() {
        assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(0, Duration.ofMillis(1), Duration.ofMillis(2), 0, Duration.ofSeconds(1),
                        Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(3, Duration.ofMillis(2), Duration.ofMillis(2), 0, Duration.ofSeconds(1),
                        Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(3, Duration.ofMillis(1), Duration.ofMillis(2), 1.0, Duration.ofSeconds(1),
                        Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new PollSchedule(Duration.ofMillis(50), Duration.ofMillis(10), Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> new PollSchedule(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(50)));
        // A fixed poll interval is allowed.
        new PollSchedule(Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofSeconds(1));
    }
}

package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DryRunElasticIpProviderTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final UUID OTHER = UUID.fromString("00000000-0000-4000-8000-00000000000b");

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final DryRunElasticIpProvider dryRun = new DryRunElasticIpProvider(cloud);

    @Test
    void readsForRealButNeverWrites() throws Exception {
        cloud.setHolders(Set.of(OTHER));
        dryRun.attach(SELF);
        dryRun.detach(OTHER);
        assertEquals(0, cloud.writes());
        assertEquals(Set.of(OTHER), cloud.currentHolders());
        // What the watchdog sees: its own writes carried out, so it does not repeat them.
        assertEquals(Set.of(SELF), dryRun.holders());
    }

    @Test
    void aLaterWriteUndoesAnEarlierOne() throws Exception {
        dryRun.attach(SELF);
        dryRun.detach(SELF);
        assertEquals(Set.of(), dryRun.holders());
        cloud.setHolders(Set.of(SELF));
        assertEquals(Set.of(), dryRun.holders());
        dryRun.attach(SELF);
        assertEquals(Set.of(SELF), dryRun.holders());
        assertEquals(0, cloud.writes());
    }
}

package org.exoip.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ObservedElasticIpProviderTest {

    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-00000000000a");

    private record Call(String operation, UUID instance, ApiCallListener.Outcome outcome, long nanos) {
    }

    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private final List<Call> calls = new ArrayList<>();
    private final AtomicLong clock = new AtomicLong();
    private final ObservedElasticIpProvider observed = new ObservedElasticIpProvider(cloud, null,
            (op, instance, outcome, nanos) -> calls.add(new Call(op, instance, outcome, nanos)),
            () -> clock.getAndAdd(7_000_000));

    @Test
    void reportsEveryCallWithItsDuration() throws Exception {
        observed.attach(SELF);
        assertEquals(Set.of(SELF), observed.holders());
        observed.detach(SELF);
        assertEquals(List.of(
                new Call("attach", SELF, ApiCallListener.Outcome.SUCCESS, 7_000_000),
                new Call("list_holders", null, ApiCallListener.Outcome.SUCCESS, 7_000_000),
                new Call("detach", SELF, ApiCallListener.Outcome.SUCCESS, 7_000_000)), calls);
        assertEquals(Set.of(), cloud.currentHolders());
    }

    @Test
    void reportsAFailureAndStillThrowsIt() {
        cloud.failNext(1);
        assertThrows(CloudException.class, () -> observed.attach(SELF));
        assertEquals(ApiCallListener.Outcome.FAILURE, calls.get(0).outcome());
        assertEquals("failure", calls.get(0).outcome().label());
    }

    @Test
    void observesAPeerSource() throws Exception {
        PeerSource peers = new StaticPeers(List.of("127.0.0.2"), warning -> { });
        assertEquals(peers.peers(), observed.observe(peers).peers());
        assertEquals("list_peers", calls.get(0).operation());
        PeerSource broken = observed.observe(() -> {
            throw new CloudException("boom", true);
        });
        assertThrows(CloudException.class, broken::peers);
        assertEquals(ApiCallListener.Outcome.FAILURE, calls.get(1).outcome());
    }
}

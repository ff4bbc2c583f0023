package org.exoip.protocol;

import static org.exoip.protocol.Fixtures.EIP;
import static org.exoip.protocol.Fixtures.KEY;
import static org.exoip.protocol.Fixtures.OTHER_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who may ask for a hand-over, through the decoder of a node with a key (EmbeddedChannel, fixed clock). */
class HandoverGateTest {

    private static final Instant NOW = Instant.parse("2026-12-08T00:00:00Z");
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress ELSEWHERE = new InetSocketAddress("127.0.0.9", 40000);

    private final RejectionCounters counters = new RejectionCounters();
    private final ReplayGuard replayGuard = new ReplayGuard();
    private final Optional<AdvertKeys> keys = Optional.of(new AdvertKeys(KEY));
    private final EmbeddedChannel node = new EmbeddedChannel(new DatagramDecoder(ElasticIpSet.of(EIP), counters,
            address -> false, keys, replayGuard, new HandoverGate(keys,
                    HandoverGate.thisHost(address -> false), replayGuard, Clock.fixed(NOW, ZoneOffset.UTC))));

    private static HandoverRequest request(Instant at) {
        return new HandoverRequest(HandoverRequest.Action.HAND_OVER, Optional.empty(), Optional.empty(),
                Optional.empty(), Duration.ZERO, Duration.ofSeconds(10),
                AuthenticatedAdvertCodec.firstCounter(Clock.fixed(at, ZoneOffset.UTC)));
    }

    @Test
    void unsignedFromThisHostOnly() {
        byte[] unsigned = new HandoverCodec(Optional.empty()).encode(request(NOW));
        assertInstanceOf(HandoverRequested.class, deliver(unsigned, LOCAL));
        DatagramRejected refused = assertInstanceOf(DatagramRejected.class, deliver(unsigned, ELSEWHERE));
        assertEquals(RejectReason.UNSIGNED_REQUEST, refused.reason());
        assertEquals(1, counters.count(RejectReason.UNSIGNED_REQUEST));
    }

    @Test
    void signedFromElsewhereOnceAndFreshOnly() {
        HandoverCodec signer = new HandoverCodec(keys);
        byte[] signed = signer.encode(request(NOW));
        HandoverRequested accepted = assertInstanceOf(HandoverRequested.class, deliver(signed, ELSEWHERE));
        assertTrue(accepted.signed());
        assertEquals(RejectReason.REPLAY, assertInstanceOf(DatagramRejected.class, deliver(signed, ELSEWHERE)).reason());
        // Older than the window: refused even by a node that never saw it (after a restart).
        byte[] old = signer.encode(request(NOW.minus(HandoverGate.FRESHNESS).minusSeconds(1)));
        DatagramRejected stale = assertInstanceOf(DatagramRejected.class, deliver(old, ELSEWHERE));
        assertEquals(RejectReason.REPLAY, stale.reason());
        assertTrue(stale.detail().contains("-31 s away") || stale.detail().contains("31 s away"), stale.detail());
        byte[] forged = new HandoverCodec(Optional.of(new AdvertKeys(OTHER_KEY))).encode(request(NOW.plusSeconds(1)));
        assertEquals(RejectReason.BAD_TAG, assertInstanceOf(DatagramRejected.class, deliver(forged, ELSEWHERE)).reason());
        assertEquals(2, counters.count(RejectReason.REPLAY));
        assertEquals(1, counters.count(RejectReason.BAD_TAG));
        assertFalse(node.finish());
    }

    @Test
    void thisHostIs127001AndTheNodesOwnAddresses() throws Exception {
        var thisHost = HandoverGate.thisHost(InetAddress.getByName("192.0.2.5")::equals);
        assertTrue(thisHost.test(InetAddress.getByName("127.0.0.1")));
        assertTrue(thisHost.test(InetAddress.getByName("::1")));
        assertTrue(thisHost.test(InetAddress.getByName("192.0.2.5")));
        assertFalse(thisHost.test(InetAddress.getByName("127.0.0.2")));
        assertFalse(thisHost.test(InetAddress.getByName("192.0.2.6")));
    }

    private Inbound deliver(byte[] bytes, InetSocketAddress from) {
        node.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(bytes), Fixtures.SELF, from));
        return node.readInbound();
    }
}

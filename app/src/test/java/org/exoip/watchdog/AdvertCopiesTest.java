package org.exoip.watchdog;

import static org.exoip.watchdog.LivenessTrackerTest.address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A master sends each advert {@code --advert-copies} times in a burst; a backup once. A real
 * engine on 127.0.0.1 with one silent peer, a plain socket on 127.0.0.2 that reads what arrives.
 */
class AdvertCopiesTest {

    private static final Duration INTERVAL = Duration.ofMillis(200);
    private static final UUID SELF = UUID.fromString("00000000-0000-4000-8000-00000000000a");
    private static final int BURSTS = 6;
    private static final Inet4Address EIP = (Inet4Address) address("198.51.100.50");

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void aMasterSendsEachAdvertInABurstOfCopies(int copies) throws Exception {
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            peer.setSoTimeout(5_000);
            NodeSettings node = new NodeSettings(SELF, EIP, 10, INTERVAL, 1);
            EngineSettings settings = EngineSettings.of(node, new InetSocketAddress("127.0.0.1", peer.getLocalPort()))
                    .withAdvertCopies(copies);
            WatchdogEngine engine = WatchdogEngine.start(settings, new InMemoryElasticIpProvider(),
                    new StaticPeers(List.of("127.0.0.2"), w -> { }));
            try {
                // Arrival times once the node, alone, is master; bursts are told apart by a gap of
                // half an interval (copies come 10 ms apart, bursts an interval apart).
                List<Integer> bursts = new ArrayList<>();
                long last = 0;
                while (bursts.size() < BURSTS + 3) {
                    DatagramPacket packet = new DatagramPacket(new byte[64], 64);
                    peer.receive(packet);
                    long now = System.nanoTime();
                    Advert advert = AdvertCodec.decode(Unpooled.wrappedBuffer(packet.getData(), 0, packet.getLength()), EIP);
                    assertEquals(SELF, advert.instanceId());
                    if (engine.role() != Role.MASTER) {
                        continue;
                    }
                    if (bursts.isEmpty() || now - last > INTERVAL.toNanos() / 2) {
                        bursts.add(0);
                    }
                    bursts.set(bursts.size() - 1, bursts.get(bursts.size() - 1) + 1);
                    last = now;
                }
                // The first two may straddle the change to master (a lone advert sent before it, read
                // after it), the last is still open.
                List<Integer> whole = bursts.subList(2, bursts.size() - 1);
                assertTrue(whole.stream().allMatch(n -> n == copies), "bursts of " + copies + ": " + bursts);
            } finally {
                engine.kill();
            }
        }
    }
}

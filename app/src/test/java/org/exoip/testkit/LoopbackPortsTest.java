package org.exoip.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared advert port of loopback engines, on real sockets. */
class LoopbackPortsTest {

    @Test
    void aFreePortIsFreeOnEveryAddressNamed() throws Exception {
        int port = LoopbackPorts.freeUdpPort("127.0.0.1", "127.0.0.2", "127.0.0.3");
        List<DatagramSocket> bound = new ArrayList<>();
        try {
            for (String host : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
                bound.add(new DatagramSocket(new InetSocketAddress(host, port)));
            }
        } finally {
            bound.forEach(DatagramSocket::close);
        }
    }

    /** Another process took the port between the choice and the bind: the setup starts over on another. */
    @Test
    void aSetupWhosePortWasTakenMeanwhileStartsOverOnAnother() throws Exception {
        List<Integer> tried = new ArrayList<>();
        AtomicInteger undone = new AtomicInteger();
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            int used = LoopbackPorts.retryWhileTaken(List.of("127.0.0.1", "127.0.0.2"), port -> {
                tried.add(port);
                if (tried.size() == 1) {
                    sockets.add(new DatagramSocket(new InetSocketAddress("127.0.0.2", port))); // the other process
                }
                sockets.add(new DatagramSocket(new InetSocketAddress("127.0.0.2", port)));
                return port;
            }, undone::incrementAndGet);
            assertEquals(2, tried.size(), tried.toString());
            assertNotEquals(tried.get(0), tried.get(1));
            assertEquals(tried.get(1), used);
            assertEquals(1, undone.get());
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }

    @Test
    void aFailureOtherThanATakenPortIsNotRetried() {
        AtomicInteger runs = new AtomicInteger();
        assertThrows(IllegalStateException.class, () -> LoopbackPorts.retryWhileTaken(List.of("127.0.0.1"), port -> {
            runs.incrementAndGet();
            throw new IllegalStateException("not a bind");
        }, () -> { }));
        assertEquals(1, runs.get());
    }

    @Test
    void aBindExceptionIsATakenPortWhereverItIsInTheCauses() {
        assertEquals(true, LoopbackPorts.taken(new RuntimeException(new BindException("Address already in use"))));
        assertEquals(false, LoopbackPorts.taken(new RuntimeException("other")));
    }
}

package org.exoip.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.ThreadContext;
import org.junit.jupiter.api.Test;

class NodeThreadFactoryTest {

    @Test
    void threadsAreNamedInTurnAndRunAsTheirNode() throws InterruptedException {
        NodeThreadFactory factory = new NodeThreadFactory("node-a", "exoip-api");
        AtomicReference<String> seen = new AtomicReference<>();

        Thread first = factory.newThread(() -> seen.set(ThreadContext.get(Logging.NODE_KEY)));
        Thread second = factory.newThread(() -> { });
        first.start();
        first.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(first.isAlive());
        assertEquals("node-a", seen.get());
        assertEquals("exoip-api-1", first.getName());
        assertEquals("exoip-api-2", second.getName());
        assertTrue(first.isDaemon());
        assertTrue(first instanceof FastThreadLocalThread);
        assertEquals("node-a", factory.node());
    }

    @Test
    void daemonIsAChoice() {
        assertFalse(new NodeThreadFactory("node-a", "exoip-loop", false).newThread(() -> { }).isDaemon());
    }

    @Test
    void theNodeDoesNotLeakIntoTheCreatingThread() {
        new NodeThreadFactory("node-a", "exoip-loop").newThread(() -> { });

        assertNull(ThreadContext.get(Logging.NODE_KEY));
    }

    @Test
    void aNettyEventLoopMadeWithItRunsAsTheNode() throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1, new NodeThreadFactory("node-b", "exoip-loop"));
        try {
            String node = group.submit(() -> ThreadContext.get(Logging.NODE_KEY)).get(10, TimeUnit.SECONDS);
            String name = group.submit(() -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);

            assertEquals("node-b", node);
            assertEquals("exoip-loop-1", name);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    @Test
    void aNodeIsRequired() {
        assertThrows(IllegalArgumentException.class, () -> new NodeThreadFactory("", "exoip-loop"));
        assertThrows(NullPointerException.class, () -> new NodeThreadFactory(null, "exoip-loop"));
        assertThrows(NullPointerException.class, () -> new NodeThreadFactory("node-a", null));
    }
}

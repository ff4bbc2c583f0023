package org.exoip.logging;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.ThreadContext;

/**
 * Makes threads that log as one node: each thread puts the node's identity in the log4j2
 * {@link ThreadContext} key {@value Logging#NODE_KEY} before it runs its task, so that several
 * engines in one JVM (tests) each log with their own node.
 *
 * <p>Works for executors and for Netty event loops ({@code new NioEventLoopGroup(1, factory)}):
 * the threads are {@link FastThreadLocalThread}s, as Netty's own factory makes. Thread-safe.
 */
public final class NodeThreadFactory implements ThreadFactory {

    private final String node;
    private final String threadNamePrefix;
    private final boolean daemon;
    private final AtomicInteger count = new AtomicInteger();

    /** Daemon threads named {@code threadNamePrefix-1}, {@code -2}, … that log as {@code node}. */
    public NodeThreadFactory(String node, String threadNamePrefix) {
        this(node, threadNamePrefix, true);
    }

    /**
     * Threads named {@code threadNamePrefix-1}, {@code -2}, … that log as {@code node}.
     *
     * @param daemon whether the threads are daemon threads: with {@code true} they never keep the JVM
     *     alive on their own (the program's {@code main} decides when it exits)
     */
    public NodeThreadFactory(String node, String threadNamePrefix, boolean daemon) {
        this.node = Logging.checkNode(node);
        this.threadNamePrefix = Objects.requireNonNull(threadNamePrefix, "threadNamePrefix");
        this.daemon = daemon;
    }

    /** The node identity the threads log with. */
    public String node() {
        return node;
    }

    @Override
    public Thread newThread(Runnable task) {
        Objects.requireNonNull(task, "task");
        Runnable asNode = () -> {
            ThreadContext.put(Logging.NODE_KEY, node);
            try {
                task.run();
            } finally {
                ThreadContext.remove(Logging.NODE_KEY);
            }
        };
        Thread thread = new FastThreadLocalThread(null, asNode, threadNamePrefix + "-" + count.incrementAndGet());
        thread.setDaemon(daemon);
        return thread;
    }
}

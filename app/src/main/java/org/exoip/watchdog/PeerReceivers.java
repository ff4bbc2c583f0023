package org.exoip.watchdog;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One receive-only socket per peer, bound to the listen address with {@code SO_REUSEPORT} and
 * connected to the peer's address and port. Linux delivers a datagram to the connected socket whose
 * four-tuple it matches before the listening one, so each peer's adverts queue apart: a flood from
 * anywhere else (even from the peer's address, from another port) fills only the listening
 * socket's buffer, and the kernel's random drops spare the peers' adverts. Adverts are still sent
 * from the listening socket; a peer whose socket cannot be opened is heard there, as before.
 *
 * <p>Concurrency: every method but {@link #checkFree} runs on the engine's event loop.
 */
final class PeerReceivers {

    private static final Logger LOG = LogManager.getLogger(PeerReceivers.class);

    /** The option the listening socket and every peer socket must carry to share the port. */
    static final ChannelOption<Boolean> REUSE_PORT = NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT);

    /**
     * A peer sends one advert (or a master's few copies) an interval: reading one datagram per
     * wake-up spares the second {@code recvfrom} that would only find the queue empty, half the
     * system calls of the receive path. A datagram still queued wakes the selector again.
     */
    private static final RecvByteBufAllocator ONE_DATAGRAM_PER_READ = oneDatagramPerRead();

    private static RecvByteBufAllocator oneDatagramPerRead() {
        FixedRecvByteBufAllocator allocator = new FixedRecvByteBufAllocator(2048);
        allocator.maxMessagesPerRead(1);
        return allocator;
    }

    private final EventLoop loop;
    private final InetSocketAddress bind;
    private final Supplier<ChannelHandler[]> handlers;
    private final Consumer<InetAddress> refused;
    private final Map<InetAddress, Channel> open = new HashMap<>();
    private final Set<InetAddress> failed = new HashSet<>();
    private boolean closed;

    /**
     * @param bind     the engine's listen address; its port is also the peers'
     * @param handlers a fresh receive pipeline for each socket (called on the event loop)
     * @param refused  told, on the event loop, of each ICMP "port unreachable" the peer's host sent
     *                 back for a datagram to it: nothing listens on its port (its exoip is down)
     */
    PeerReceivers(EventLoop loop, InetSocketAddress bind, Supplier<ChannelHandler[]> handlers,
            Consumer<InetAddress> refused) {
        this.loop = loop;
        this.bind = bind;
        this.handlers = handlers;
        this.refused = refused;
    }

    /**
     * Fails when another socket holds the listen address. Needed because the listening socket is
     * bound with {@code SO_REUSEPORT}, which would otherwise let a second exoip share the port
     * silently; called before binding it.
     */
    static void checkFree(InetSocketAddress bind) throws SocketException {
        try (DatagramSocket probe = new DatagramSocket(null)) {
            probe.bind(bind);
        } catch (SocketException e) {
            throw new SocketException("cannot listen on UDP " + WatchdogEngine.describe(bind) + ": " + e.getMessage());
        }
    }

    /** Opens a socket for each new peer and closes those of peers gone. */
    void update(Collection<InetAddress> peers) {
        if (closed) {
            return;
        }
        Set<InetAddress> wanted = new HashSet<>(peers);
        open.entrySet().removeIf(entry -> {
            if (wanted.contains(entry.getKey())) {
                return false;
            }
            entry.getValue().close();
            return true;
        });
        failed.retainAll(wanted);
        for (InetAddress peer : wanted) {
            if (!open.containsKey(peer)) {
                connect(peer);
            }
        }
    }

    private void connect(InetAddress peer) {
        InetSocketAddress remote = new InetSocketAddress(peer, bind.getPort());
        ChannelFuture connected = new Bootstrap()
                .group(loop)
                .channel(NioDatagramChannel.class)
                .option(REUSE_PORT, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, ONE_DATAGRAM_PER_READ)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new PortUnreachable(peer)).addLast(handlers.get());
                    }
                })
                .connect(remote, bind);
        Channel channel = connected.channel();
        open.put(peer, channel);
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                open.remove(peer, channel);
                channel.close();
                if (failed.add(peer)) {
                    LOG.warn("No socket of its own for peer {} ({}): its adverts share the listening socket",
                            peer.getHostAddress(), f.cause().getMessage());
                }
            } else {
                failed.remove(peer);
            }
        });
    }

    /**
     * A connected socket also gets the ICMP errors of what the listening socket sends to its peer
     * (Linux matches the error to the socket of the datagram's four-tuple): "port unreachable"
     * while the peer's exoip is down. Handed on, never logged: it is a state, not a fault.
     */
    private final class PortUnreachable extends ChannelInboundHandlerAdapter {
        private final InetAddress peer;

        PortUnreachable(InetAddress peer) {
            this.peer = peer;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof PortUnreachableException) {
                refused.accept(peer);
            } else {
                ctx.fireExceptionCaught(cause);
            }
        }
    }

    /** The peers' sockets open now. */
    Collection<Channel> channels() {
        return open.values();
    }

    /** Peers with a socket of their own now (tests). */
    int size() {
        return open.size();
    }

    /** Closes every peer socket; later updates do nothing. */
    void close() {
        closed = true;
        open.values().forEach(Channel::close);
        open.clear();
    }
}

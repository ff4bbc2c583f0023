package org.exoip.watchdog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.exoip.testkit.LoopbackPorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each peer's own socket gets that peer's datagrams; everything else reaches the listening socket. Loopback only. */
class PeerReceiversTest {

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final EventLoop loop = group.next();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Records which socket got which text. */
    private static ChannelHandler recorder(String socket, BlockingQueue<String> got) {
        return new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                got.add(socket + ":" + msg.content().toString(StandardCharsets.US_ASCII));
            }
        };
    }

    @Test
    void aPeersDatagramsQueueApartFromTheRest() throws Exception {
        int port;
        port = LoopbackPorts.freeUdpPort();
        InetSocketAddress bind = new InetSocketAddress("127.0.0.1", port);
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        PeerReceivers.checkFree(bind);
        Channel listening = new Bootstrap().group(loop).channel(NioDatagramChannel.class)
                .option(PeerReceivers.REUSE_PORT, true).handler(recorder("listening", got)).bind(bind).sync().channel();
        PeerReceivers receivers = new PeerReceivers(loop, bind, () -> new ChannelHandler[] {recorder("peer", got)}, peer -> { });
        InetAddress peerAddress = InetAddress.getByName("127.0.0.2");
        loop.submit(() -> receivers.update(List.of(peerAddress))).get(5, TimeUnit.SECONDS);
        assertEquals(1, loop.submit(receivers::size).get(5, TimeUnit.SECONDS));

        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", port));
             DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
             DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0))) {
            // The peer socket may still be connecting: send until the peer's datagram lands there.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String first;
            do {
                send(peer, "advert", port);
                first = got.poll(20, TimeUnit.MILLISECONDS);
            } while ((first == null || !first.equals("peer:advert")) && System.nanoTime() < deadline);
            assertEquals("peer:advert", first);
            got.clear();
            send(spoofer, "forged", port);
            send(stranger, "junk", port);
            send(peer, "advert", port);
            List<String> three = List.of(got.poll(5, TimeUnit.SECONDS), got.poll(5, TimeUnit.SECONDS),
                    got.poll(5, TimeUnit.SECONDS));
            assertTrue(three.containsAll(List.of("listening:forged", "listening:junk", "peer:advert")), three.toString());
        }

        loop.submit(() -> receivers.update(List.of())).get(5, TimeUnit.SECONDS);
        assertEquals(0, loop.submit(receivers::size).get(5, TimeUnit.SECONDS));
        loop.submit(receivers::close).get(5, TimeUnit.SECONDS);
        listening.close().sync();
    }

    @Test
    void aTakenListenAddressIsRefusedDespiteReusePort() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            InetSocketAddress bind = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
            SocketException e = assertThrows(SocketException.class, () -> PeerReceivers.checkFree(bind));
            assertTrue(e.getMessage().startsWith("cannot listen on UDP 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
        }
    }

    private static void send(DatagramSocket from, String text, int port) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        from.send(new java.net.DatagramPacket(bytes, bytes.length, InetAddress.getByName("127.0.0.1"), port));
    }
}

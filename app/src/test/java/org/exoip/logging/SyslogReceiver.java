package org.exoip.logging;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Queue;

/** A syslog daemon stand-in for tests: a Unix datagram socket whose datagrams, as text, land in a queue. */
public final class SyslogReceiver {

    private SyslogReceiver() {
    }

    /** Binds a socket at {@code path} on {@code group} (an epoll group); close the channel to stop it. */
    public static Channel bind(EventLoopGroup group, Path path, Queue<String> received) {
        return new Bootstrap()
                .group(group)
                .channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                })
                .bind(new DomainSocketAddress(path.toString()))
                .syncUninterruptibly()
                .channel();
    }
}

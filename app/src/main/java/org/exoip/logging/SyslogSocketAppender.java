package org.exoip.logging;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Sends each event as one RFC 3164 datagram ({@code <PRI>TIMESTAMP exoip[PID]: message}, facility
 * daemon) to the local syslog socket, a Unix datagram socket such as {@code /dev/log}, through
 * Netty's native epoll transport (the JDK has no Unix datagram sockets).
 *
 * <p>{@link #append} may be called from any thread and never blocks or throws: it hands the
 * datagram to a private event loop. A datagram that cannot be sent (syslog gone, or too slow to
 * keep up) is dropped and counted; standard error gets one line when that starts, and syslog gets
 * the count when it accepts lines again. The socket is not connected: each datagram is addressed
 * to the path, so a syslog daemon that restarts is found again without reconnecting.
 */
final class SyslogSocketAppender extends AbstractAppender {

    /** RFC 3164 facility daemon (3), shifted as the PRI field wants it. */
    static final int FACILITY_DAEMON = 3 << 3;
    /** Longest datagram sent; longer messages are cut (at a character boundary) and marked. */
    static final int MAX_DATAGRAM_BYTES = 8192;

    private static final long MIN_STOP_MILLIS = 500;
    private static final String TAG = "exoip";
    private static final String CUT_MARK = "…";
    private static final DateTimeFormatter RFC3164_TIME =
            DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ENGLISH);

    /** The sender reads nothing; its handler only keeps errors from being logged, which would log again. */
    private static final ChannelHandler IGNORE_INBOUND = new IgnoreInbound();

    private final LineLayout body;
    private final Path socket;
    private final DomainSocketAddress recipient;
    private final EventLoopGroup group;
    private final Channel channel;
    private final PrintStream err;
    private final LogFormat errFormat;
    private final String node;
    private final long pid = ProcessHandle.current().pid();
    private final ZoneId zone = ZoneId.systemDefault();

    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedSinceReport = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();

    private SyslogSocketAppender(String name, LineLayout body, Path socket, EventLoopGroup group, Channel channel,
            PrintStream err, LogFormat errFormat, String node) {
        super(name, null, body, true, Property.EMPTY_ARRAY);
        this.body = body;
        this.socket = socket;
        this.recipient = new DomainSocketAddress(socket.toString());
        this.group = group;
        this.channel = channel;
        this.err = err;
        this.errFormat = errFormat;
        this.node = node;
    }

    /**
     * Opens a sender to the syslog socket at {@code socket}, after checking that something listens
     * there.
     *
     * @param body formats the message part of each datagram (everything after {@code exoip[PID]: })
     * @param err where to say, once, that syslog stopped accepting lines
     * @param errFormat how to say it there ({@code --log-format}), see {@link Logging#standardErrorLine}
     * @throws IOException why syslog at {@code socket} cannot be used (no native transport, no such
     *     socket, nobody listening); nothing is left open then
     */
    @SuppressWarnings("deprecation") // DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: Netty un-deprecated it for 5.0 as useful
    static SyslogSocketAppender open(String name, LineLayout body, Path socket, Duration timeout, PrintStream err,
            LogFormat errFormat, String node) throws IOException {
        if (!Epoll.isAvailable()) {
            Throwable cause = Epoll.unavailabilityCause();
            throw new IOException("Netty's native epoll transport is not available"
                    + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
        if (!Files.exists(socket)) {
            throw new IOException("no such socket");
        }
        EventLoopGroup group = new EpollEventLoopGroup(1, new DefaultThreadFactory("exoip-syslog", true));
        try {
            DomainSocketAddress address = new DomainSocketAddress(socket.toString());
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(EpollDomainDatagramChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(IGNORE_INBOUND);
            // Connecting a datagram socket checks at once that the path is a socket someone reads.
            Channel probe = await(bootstrap.connect(address), timeout, "connect");
            probe.close().awaitUninterruptibly(timeout.toMillis());
            // Not connected, so each datagram looks the path up again and a restarted daemon is found:
            // active on registration lets an unbound, unconnected channel write.
            Channel sender = await(bootstrap.clone()
                    .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .register(), timeout, "open");
            return new SyslogSocketAppender(name, body, socket, group, sender, err, errFormat, node);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    private static Channel await(ChannelFuture future, Duration timeout, String what) throws IOException {
        if (!future.awaitUninterruptibly(timeout.toMillis())) {
            future.channel().close();
            throw new IOException(what + " timed out after " + timeout.toMillis() + " ms");
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            throw new IOException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }
        return future.channel();
    }

    /** Lines dropped since this appender opened because syslog did not take them. */
    long dropped() {
        return dropped.get();
    }

    Path socket() {
        return socket;
    }

    @Override
    public void append(LogEvent event) {
        byte[] datagram = datagram(event.getLevel(), Instant.ofEpochMilli(event.getTimeMillis()), zone, pid,
                body.toSerializable(event));
        send(datagram);
    }

    private void send(byte[] datagram) {
        if (!channel.isActive() || !channel.isWritable()) {
            drop("syslog does not keep up or the sender is closed");
            return;
        }
        ByteBuf content = channel.alloc().directBuffer(datagram.length).writeBytes(datagram);
        channel.writeAndFlush(new DomainDatagramPacket(content, recipient)).addListener(this::sent);
    }

    /** Runs on the event loop once a datagram is sent or has failed. */
    private void sent(Future<? super Void> future) {
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            drop(cause.getMessage() == null ? cause.toString() : cause.getMessage());
            return;
        }
        if (failing.compareAndSet(true, false)) {
            long lost = droppedSinceReport.getAndSet(0);
            String line = "[" + node + "] Logging: " + lost + " log line" + (lost == 1 ? " was" : "s were")
                    + " dropped: syslog at " + socket + " did not take " + (lost == 1 ? "it" : "them");
            send(datagram(Level.WARN, Instant.now(), zone, pid, line));
        }
    }

    private void drop(String reason) {
        dropped.incrementAndGet();
        droppedSinceReport.incrementAndGet();
        if (failing.compareAndSet(false, true)) {
            err.println(Logging.standardErrorLine(errFormat, Level.WARN, "syslog at " + socket
                    + " does not take log lines (" + reason + "); dropping them until it does", Map.of()));
            err.flush();
        }
    }

    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        setStopping();
        // log4j2 often passes 0 ("no wait"); queued datagrams still deserve a moment to go out.
        long millis = Math.max(timeUnit.toMillis(timeout), MIN_STOP_MILLIS);
        // Closing after the writes already queued sends them first: the event loop runs tasks in order.
        boolean closed = channel.close().awaitUninterruptibly(millis);
        boolean ended = group.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS).awaitUninterruptibly(millis);
        setStopped();
        return closed && ended;
    }

    /** The RFC 3164 PRI value for facility daemon and the severity of {@code level}. */
    static int priority(Level level) {
        return FACILITY_DAEMON | severity(level);
    }

    /** RFC 3164 severity: FATAL 2 (crit), ERROR 3, WARN 4, INFO 6, DEBUG and TRACE 7. */
    static int severity(Level level) {
        if (level.isMoreSpecificThan(Level.FATAL)) {
            return 2;
        } else if (level.isMoreSpecificThan(Level.ERROR)) {
            return 3;
        } else if (level.isMoreSpecificThan(Level.WARN)) {
            return 4;
        } else if (level.isMoreSpecificThan(Level.INFO)) {
            return 6;
        }
        return 7;
    }

    /**
     * {@code <PRI>Mmm dd hh:mm:ss exoip[PID]: message} in UTF-8, the local time as syslog(3) writes
     * it, cut to {@link #MAX_DATAGRAM_BYTES}.
     */
    static byte[] datagram(Level level, Instant time, ZoneId zone, long pid, String message) {
        String header = "<" + priority(level) + ">" + RFC3164_TIME.format(time.atZone(zone)) + " " + TAG + "[" + pid
                + "]: ";
        byte[] bytes = (header + message).getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_DATAGRAM_BYTES) {
            return bytes;
        }
        byte[] mark = CUT_MARK.getBytes(StandardCharsets.UTF_8);
        int cut = MAX_DATAGRAM_BYTES - mark.length;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) {
            cut--; // never split a UTF-8 sequence: back up to the byte that starts a character
        }
        byte[] shortened = Arrays.copyOf(bytes, cut + mark.length);
        System.arraycopy(mark, 0, shortened, cut, mark.length);
        return shortened;
    }

    @ChannelHandler.Sharable
    private static final class IgnoreInbound extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Sends fail through their futures (counted there); nothing else is expected here.
        }
    }
}

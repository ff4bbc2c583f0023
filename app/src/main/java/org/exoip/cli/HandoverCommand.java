package org.exoip.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.exoip.protocol.AdvertKeys;
import org.exoip.protocol.AuthenticatedAdvertCodec;
import org.exoip.protocol.HandoverCodec;
import org.exoip.protocol.HandoverReply;
import org.exoip.protocol.HandoverRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code exoip handover}: asks a running watchdog to give up its Elastic IPs to another node and to
 * stay out of the election, and waits until the API shows the new holder alone.
 */
@Command(name = "handover", mixinStandardHelpOptions = true,
        header = "Moves the Elastic IPs off a running watchdog and confirms it.",
        description = {"Asks a running exoip watchdog (this host's by default) to hand its Elastic IPs over to",
            "another node, attaching there before detaching here, and to stay out of the election for --hold",
            "(default: until 'exoip handover --release' or a restart). It keeps running as a backup.",
            "With --wait (the default) it exits 0 once the node reads the new holder alone at the API,",
            "and 1 with the reason otherwise (no eligible node, the API refused, timeout).",
            "Security: the node accepts an unsigned request only from this host (127.0.0.1, ::1 or its own",
            "address); from elsewhere only one signed with the advert key (--auth-key-file), fresh within",
            "30 s and never replayed. Everything else is refused and counted (exoip_dropped_datagrams_total)."})
public final class HandoverCommand implements Callable<Integer> {

    /** How long to wait for the first answer before sending the request again (a lost datagram). */
    static final Duration ANSWER_WAIT = Duration.ofSeconds(1);
    static final int ATTEMPTS = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--node", paramLabel = "HOST[:PORT]", defaultValue = "127.0.0.1:12345",
            converter = NodeAddress.class,
            description = "The watchdog to ask: its address and UDP port (-l) (default: ${DEFAULT-VALUE}).")
    InetSocketAddress node;

    @Option(names = "--eip", paramLabel = "ADDRESS", converter = Converters.Ipv4.class,
            description = "Only this Elastic IP (default: every one the node keeps).")
    Inet4Address eip;

    @Option(names = "--to", paramLabel = "NODE",
            description = "The node that should take over: its instance id or address (a name is resolved); "
                    + "refused unless it is alive, healthy and the one the election picks.")
    String to;

    @Option(names = "--hold", paramLabel = "DURATION", converter = Converters.PositiveDuration.class,
            description = "Stay out of the election this long (seconds such as 600, or 500ms); "
                    + "default: until --release or a restart.")
    Duration hold;

    @Option(names = "--release", description = "Let the node back into the election now.")
    boolean release;

    @Option(names = "--wait", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Wait until the API shows the new holder alone (default); --no-wait returns once "
                    + "the node accepted.")
    boolean await;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30",
            converter = Converters.PositiveDuration.class,
            description = "How long --wait waits (default: ${DEFAULT-VALUE} s).")
    Duration timeout;

    @Option(names = "--auth-key-file", paramLabel = "PATH",
            description = "Sign the request with the advert key in PATH: needed from another host.")
    Path keyFile;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws IOException {
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (release && (to != null || hold != null)) {
            throw new ParameterException(spec.commandLine(), "--release takes neither --to nor --hold "
                    + "(expected: exoip handover --release [--eip ADDRESS] [--node HOST[:PORT]])");
        }
        if (timeout.compareTo(HandoverRequest.MAX_DURATION) > 0 || hold != null
                && hold.compareTo(HandoverRequest.MAX_DURATION) > 0) {
            throw new ParameterException(spec.commandLine(), "--hold and --timeout go up to "
                    + HandoverRequest.MAX_DURATION.toDays() + " days");
        }
        Optional<AdvertKeys> keys = keys();
        Optional<UUID> toId = Optional.empty();
        Optional<Inet4Address> toAddress = Optional.empty();
        if (to != null) {
            if (to.trim().matches("[0-9a-fA-F-]{36}")) {
                toId = Optional.of(new Converters.Uuid().convert(to));
            } else {
                toAddress = Optional.of(resolve(to));
            }
        }
        HandoverCodec codec = new HandoverCodec(keys);
        long started = System.nanoTime();
        try (DatagramSocket socket = new DatagramSocket(0, node.getAddress().isLoopbackAddress()
                ? InetAddress.getByName("127.0.0.1") : null)) {
            HandoverReply first = null;
            long counter = 0;
            for (int attempt = 0; attempt < ATTEMPTS && first == null; attempt++) {
                counter = AuthenticatedAdvertCodec.firstCounter(Clock.systemUTC());
                HandoverRequest request = new HandoverRequest(release ? HandoverRequest.Action.RELEASE
                        : HandoverRequest.Action.HAND_OVER, Optional.ofNullable(eip), toId, toAddress,
                        hold == null ? Duration.ZERO : hold, await && !release ? timeout : Duration.ZERO, counter);
                byte[] bytes = codec.encode(request);
                socket.send(new DatagramPacket(bytes, bytes.length, node));
                first = receive(socket, counter, ANSWER_WAIT);
            }
            if (first == null) {
                err.println("exoip handover: no answer from " + describe(node) + " in " + ATTEMPTS + " tries "
                        + "(expected: an exoip watchdog listening there; from another host the request must be "
                        + "signed with --auth-key-file, else it is dropped)");
                return 1;
            }
            if (first.status() != HandoverReply.Status.ACCEPTED || !await || release) {
                return report(first, started);
            }
            out.println("exoip handover: accepted: " + first.message());
            out.flush();
            // The node reports its own timeout; a little longer here so that its word arrives.
            HandoverReply last = receive(socket, counter, timeout.plusSeconds(2));
            if (last == null) {
                err.println("exoip handover: timeout after " + timeout.toMillis() + " ms with no word from "
                        + describe(node));
                return 1;
            }
            return report(last, started);
        }
    }

    private int report(HandoverReply reply, long started) {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        String line = "exoip handover: " + reply.status().name().toLowerCase(java.util.Locale.ROOT) + ": "
                + reply.message();
        if (reply.status() == HandoverReply.Status.REFUSED || reply.status() == HandoverReply.Status.FAILED) {
            err.println(line);
            return 1;
        }
        out.println(line + (reply.status() == HandoverReply.Status.DONE ? " (confirmed " + ms
                + " ms after the command)" : ""));
        return 0;
    }

    /** The next reply to {@code counter}, or null after {@code wait}; other datagrams are skipped. */
    private static HandoverReply receive(DatagramSocket socket, long counter, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        byte[] buffer = new byte[2048];
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return null;
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (SocketTimeoutException e) {
                return null;
            }
            Optional<HandoverReply> reply = HandoverReply.decode(packet.getData(), packet.getLength());
            if (reply.isPresent() && reply.get().counter() == counter) {
                return reply.get();
            }
        }
    }

    private Optional<AdvertKeys> keys() {
        if (keyFile == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new AdvertKeys(AdvertAuthOptions.KeyFile.read(keyFile)));
        } catch (AdvertAuthOptions.KeyFile.Refused e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--auth-key-file': "
                    + e.getMessage());
        }
    }

    private Inet4Address resolve(String name) {
        try {
            for (InetAddress address : InetAddress.getAllByName(name.trim())) {
                if (address instanceof Inet4Address v4) {
                    return v4;
                }
            }
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--to': '" + name
                    + "' has no IPv4 address (expected an instance id, an IPv4 address or a host name)");
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--to': cannot resolve '"
                    + name + "' (expected an instance id, an IPv4 address or a host name)");
        }
    }

    private static String describe(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** {@code HOST[:PORT]}: an address or a name, port 12345 by default. */
    static final class NodeAddress implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String text) {
            String t = text.trim();
            int colon = t.lastIndexOf(':');
            String host = colon < 0 ? t : t.substring(0, colon);
            int port = 12345;
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(t.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new TypeConversionException("'" + text + "' has no valid port (expected HOST[:PORT], "
                            + "e.g. 127.0.0.1:12345 or node-b)");
                }
            }
            if (host.isEmpty()) {
                throw new TypeConversionException("'" + text + "' names no host (expected HOST[:PORT], "
                        + "e.g. 127.0.0.1:12345 or node-b)");
            }
            try {
                return new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new TypeConversionException("cannot resolve '" + host + "' (expected HOST[:PORT], "
                        + "e.g. 127.0.0.1:12345 or node-b)");
            }
        }
    }
}

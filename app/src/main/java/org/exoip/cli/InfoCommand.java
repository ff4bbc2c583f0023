package org.exoip.cli;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code exoip info}: a watchdog's state, as the {@code info} datagram answers it, without {@code nc}. */
@Command(name = "info", mixinStandardHelpOptions = true,
        header = "Prints a running watchdog's state.",
        description = {"Asks a running exoip watchdog (this host's by default) for its state, as",
            "'echo info | nc -4u HOST 12345' does, and prints the answer: text, or with --json one JSON",
            "document (fields in README, schema in docs/info.schema.json). Anyone may ask, at most 20 a second."})
public final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "HOST[:PORT]", defaultValue = "127.0.0.1:12345",
            converter = HandoverCommand.NodeAddress.class,
            description = "The watchdog to ask: its address and UDP port (-l) (default: ${DEFAULT-VALUE}).")
    InetSocketAddress node;

    @Option(names = "--json", description = "One JSON document instead of the text.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2",
            converter = Converters.PositiveDuration.class,
            description = "How long to wait for the answer, the query sent up to 3 times (default: ${DEFAULT-VALUE} s).")
    Duration timeout;

    @Override
    public Integer call() throws IOException {
        byte[] query = (json ? "info json" : "info").getBytes(StandardCharsets.US_ASCII);
        try (DatagramSocket socket = new DatagramSocket(0, node.getAddress().isLoopbackAddress()
                ? InetAddress.getByName("127.0.0.1") : null)) {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis() / HandoverCommand.ATTEMPTS));
            byte[] buffer = new byte[65_536];
            for (int attempt = 0; attempt < HandoverCommand.ATTEMPTS; attempt++) {
                socket.send(new DatagramPacket(query, query.length, node));
                DatagramPacket answer = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(answer);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                String text = new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
                spec.commandLine().getOut().print(text.endsWith("\n") ? text : text + "\n");
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
        spec.commandLine().getErr().println("exoip info: no answer from " + node.getHostString() + ":" + node.getPort()
                + " within " + timeout.toMillis() + " ms (expected: an exoip watchdog listening there)");
        return 1;
    }
}

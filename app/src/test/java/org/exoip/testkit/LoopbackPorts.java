package org.exoip.testkit;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * UDP ports for engines on loopback addresses. Nodes share one advert port (the listen port is
 * also the peers' port), so a test cannot bind port 0 on each; it takes a port the kernel chose,
 * checked free on every address the nodes will use. Another process can still take it before a
 * node binds it (the machine runs other builds): a setup that binds all at once goes through
 * {@link #retryWhileTaken}, which starts over on another port when a bind finds it taken.
 */
public final class LoopbackPorts {

    /** Ports tried before a test gives up: each try loses only to a race with another process. */
    private static final int TRIES = 5;

    private LoopbackPorts() {
    }

    /** A UDP port free on each of {@code hosts} (all of 127.0.0.1 to 127.0.0.3 when none are named). */
    public static int freeUdpPort(String... hosts) throws IOException {
        List<String> on = hosts.length == 0 ? List.of("127.0.0.1", "127.0.0.2", "127.0.0.3") : List.of(hosts);
        for (int attempt = 1; ; attempt++) {
            List<DatagramSocket> held = new ArrayList<>();
            try {
                DatagramSocket first = new DatagramSocket(0, InetAddress.getByName(on.get(0)));
                held.add(first);
                int port = first.getLocalPort();
                for (String host : on.subList(1, on.size())) {
                    held.add(new DatagramSocket(new InetSocketAddress(host, port)));
                }
                return port;
            } catch (SocketException taken) {
                if (attempt == TRIES) {
                    throw taken;
                }
            } finally {
                held.forEach(DatagramSocket::close);
            }
        }
    }

    /** A setup that binds its sockets on {@code port}. */
    @FunctionalInterface
    public interface Setup<T> {
        T on(int port) throws Exception;
    }

    /**
     * Runs {@code setup} on a port free on {@code hosts}; when one of its binds finds the port taken
     * meanwhile, runs {@code undo} (which closes what the setup bound) and starts over on another.
     */
    public static <T> T retryWhileTaken(List<String> hosts, Setup<T> setup, Runnable undo) throws Exception {
        for (int attempt = 1; ; attempt++) {
            int port = freeUdpPort(hosts.toArray(String[]::new));
            try {
                return setup.on(port);
            } catch (Exception e) {
                undo.run();
                if (attempt == TRIES || !taken(e)) {
                    throw e;
                }
            }
        }
    }

    /** Whether {@code e} (or a cause) is a bind that found its address in use. */
    static boolean taken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t instanceof SocketException
                    && String.valueOf(t.getMessage()).contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }
}

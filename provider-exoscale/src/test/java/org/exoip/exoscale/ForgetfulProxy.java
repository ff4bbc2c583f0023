package org.exoip.exoscale;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback that behaves like a stateful middlebox that forgot its flows: after
 * {@link #forget()}, the bytes of every connection open at that moment go nowhere, in either
 * direction, and nothing tells either end (no RST, no FIN), as when a firewall's connection table
 * was flushed; connections opened afterwards are relayed as usual. Test code only.
 */
final class ForgetfulProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Flow> flows = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    private static final class Flow {
        final Socket client;
        final Socket server;
        volatile boolean forgotten;

        Flow(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }
    }

    ForgetfulProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "forgetful-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    /** {@code base} (an http(s) URL of the target) through this relay. */
    URI via(URI base) {
        return URI.create(base.getScheme() + "://127.0.0.1:" + listener.getLocalPort() + base.getRawPath());
    }

    /** From now on, every connection open now is a black hole both ways. */
    void forget() {
        for (Flow flow : flows) {
            flow.forgotten = true;
        }
    }

    /** Connections accepted so far. */
    int connections() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                Flow flow = new Flow(client, server);
                flows.add(flow);
                accepted.incrementAndGet();
                pump(flow, client, server);
                pump(flow, server, client);
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Flow flow, Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!flow.forgotten) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the other end went away: so does this direction
            }
            if (!flow.forgotten) {
                close(to);
            }
        }, "forgetful-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Flow flow : flows) {
            close(flow.client);
            close(flow.server);
        }
    }
}

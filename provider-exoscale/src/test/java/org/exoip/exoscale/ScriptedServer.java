package org.exoip.exoscale;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback HTTP server for tests that answers from a script of canned replies, in order, and
 * records every request: for answers the stand-in API does not give (unknown enum values, a
 * metadata server that answers HTML, a reply that never comes).
 */
final class ScriptedServer implements AutoCloseable {

    /** One canned reply; a {@link #noAnswer()} reply answers only when the server closes. */
    record Reply(int status, String contentType, String body, Map<String, String> headers, boolean hang) {
        static Reply json(int status, String body) {
            return new Reply(status, "application/json", body, Map.of(), false);
        }

        static Reply text(int status, String contentType, String body) {
            return new Reply(status, contentType, body, Map.of(), false);
        }

        static Reply noAnswer() {
            return new Reply(0, null, null, Map.of(), true);
        }

        Reply withHeader(String name, String value) {
            Map<String, String> more = new java.util.HashMap<>(headers);
            more.put(name, value);
            return new Reply(status, contentType, body, Map.copyOf(more), hang);
        }
    }

    /** A request as received. */
    record Request(String method, URI uri, String authorization, String body) {
    }

    private final HttpServer server;
    private final Deque<Reply> script = new ArrayDeque<>();
    private final List<Request> requests = new ArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private Reply fallback = Reply.json(404, "{\"message\":\"no scripted reply left\"}");

    private ScriptedServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    static ScriptedServer start() throws IOException {
        return new ScriptedServer();
    }

    /** The server's root, e.g. {@code http://127.0.0.1:12345}. */
    URI base() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort());
    }

    /** Queues replies after those already queued. */
    synchronized ScriptedServer then(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** The reply once the script is used up. */
    synchronized ScriptedServer otherwise(Reply reply) {
        fallback = reply;
        return this;
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (this) {
                requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI(),
                        exchange.getRequestHeaders().getFirst("Authorization"), body));
                reply = script.isEmpty() ? fallback : script.poll();
            }
            if (reply.hang()) {
                // Holds the request until close(): the client's own timeout must end the wait.
                closing.await(30, TimeUnit.SECONDS);
                return;
            }
            byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            if (reply.contentType() != null) {
                exchange.getResponseHeaders().set("Content-Type", reply.contentType());
            }
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

}

package org.exoip.exoscale.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A stand-in for the Exoscale API v2 and the instance metadata server, on one HTTP port: the
 * signed API under {@code /v2}, metadata under {@code /latest/meta-data} and {@code /1.0/meta-data},
 * and an unsigned control API under {@code /_standin/} (see docs/standin.md).
 *
 * <p>Requests are served concurrently by a pool of daemon threads. Every method is thread-safe.
 * Typical use in a test:
 *
 * <pre>{@code
 * try (StandinServer server = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
 *     server.state().addCredential("EXOkey", "secret");
 *     ... point the client at server.apiBase() ...
 * }
 * }</pre>
 */
public final class StandinServer implements AutoCloseable {

    private static final Logger LOG = LogManager.getLogger(StandinServer.class);

    /** The JDK server's switch for TCP_NODELAY on the connections it accepts; read once per JVM. */
    static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

    static {
        // Without it, the JDK server sends a response's headers and body in two segments, and
        // Nagle holds the body until the client's delayed ACK of the headers, 40 ms later: every
        // call took 40-60 ms instead of 1-5, an artefact the real API does not have, which
        // measurements of exoip's start-up and failover would count as exoip's. Set before the
        // first server of the JVM is made; a value given on the command line wins.
        if (System.getProperty(NO_DELAY_PROPERTY) == null) {
            System.setProperty(NO_DELAY_PROPERTY, "true");
        }
    }

    private final HttpServer http;
    private final ExecutorService requestThreads;
    private final ScheduledExecutorService timer;
    private final StandinState state;
    private final Faults faults = new Faults();
    private final StandinConfig baseline;
    private final boolean controlFromAnyAddress;
    private final ApiHandler api;
    private final ControlHandler control;
    private final Map<String, LongAdder> requestCounts = new ConcurrentHashMap<>();
    private final LongAdder tlsConnections = new LongAdder();

    private StandinServer(Builder builder, InetSocketAddress bind) throws IOException {
        this.state = new StandinState(builder.clock);
        this.baseline = builder.config;
        this.controlFromAnyAddress = builder.controlFromAnyAddress;
        try {
            baseline.applyTo(state);
        } catch (StandinConfigException e) {
            throw new IllegalArgumentException("stand-in configuration: " + e.getMessage(), e);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(daemonThreads("standin-timer"));
        state.useTimer(timer);
        this.api = new ApiHandler(state, faults);
        this.control = new ControlHandler(this);
        this.requestThreads = Executors.newFixedThreadPool(builder.threads, daemonThreads("standin-http"));
        try {
            if (builder.tls == null) {
                this.http = HttpServer.create(bind, 128);
            } else {
                HttpsServer https = HttpsServer.create(bind, 128);
                https.setHttpsConfigurator(new HttpsConfigurator(builder.tls.context()) {
                    @Override
                    public void configure(HttpsParameters parameters) {
                        tlsConnections.increment(); // once per connection, handshake or not
                        super.configure(parameters);
                    }
                });
                this.http = https;
            }
        } catch (IOException e) {
            timer.shutdownNow();
            requestThreads.shutdownNow();
            throw e;
        }
        http.createContext("/", this::handle);
        http.setExecutor(requestThreads);
        http.start();
    }

    /** Starts a stand-in with no credentials and no resources; port 0 picks a free port. */
    public static StandinServer start(InetSocketAddress bind) throws IOException {
        return builder().start(bind);
    }

    /** Options for {@link Builder#start(InetSocketAddress)}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * TLS connections accepted so far, those whose handshake failed included (0 for plain HTTP):
     * tells how often a client that refuses the certificate tried.
     */
    public long tlsConnections() {
        return tlsConnections.sum();
    }

    /** The address the server listens on, with the actual port. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /**
     * {@code http://host:port} ({@code https://} when serving TLS), with a loopback host when bound
     * to the wildcard address.
     */
    public URI baseUri() {
        InetAddress host = address().getAddress();
        if (host.isAnyLocalAddress()) {
            host = InetAddress.getLoopbackAddress();
        }
        String literal = host instanceof Inet6Address
                ? "[" + host.getHostAddress().replaceFirst("%.*", "") + "]"
                : host.getHostAddress();
        String scheme = http instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://" + literal + ":" + address().getPort());
    }

    /** {@code http://host:port/v2}: the base URL an Exoscale client is given instead of api-ZONE. */
    public URI apiBase() {
        return URI.create(baseUri() + "/v2");
    }

    /** {@code http://host:port/latest/meta-data}, without a trailing slash: append {@code /instance-id}. */
    public URI metadataBase() {
        return URI.create(baseUri() + "/latest/meta-data");
    }

    /** The world the API shows; change it freely while the server runs. */
    public StandinState state() {
        return state;
    }

    /** The faults queued for coming requests. */
    public Faults faults() {
        return faults;
    }

    /** Every attachment change so far, oldest first; same as {@code state().events()}. */
    public List<AttachmentEvent> events() {
        return state.events();
    }

    /**
     * How many requests each route received, whatever their outcome, keyed like
     * {@code GET /v2/elastic-ip}, {@code PUT /v2/elastic-ip/{id}:attach},
     * {@code GET /latest/meta-data/instance-id}. Control API requests are not counted.
     */
    public Map<String, Long> requestCounts() {
        Map<String, Long> counts = new TreeMap<>();
        requestCounts.forEach((route, n) -> counts.put(route, n.sum()));
        return counts;
    }

    /**
     * Back to the starting point: the configuration given at start (resources, zone, delay), no
     * events, no operations, no faults, no request counts. Credentials added since are kept.
     */
    public void reset() {
        synchronized (state) {
            state.clearWorld();
            try {
                baseline.applyTo(state);
            } catch (StandinConfigException e) {
                // It was applied once at start, to an empty state as now.
                throw new IllegalStateException(e);
            }
        }
        faults.clear();
        requestCounts.clear();
    }

    /** Stops listening, drops connections and interrupts requests still being served (e.g. slow faults). */
    @Override
    public void close() {
        http.stop(0);
        requestThreads.shutdownNow();
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return "StandinServer[" + baseUri() + "]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange);
        } catch (JsonProcessingException e) {
            failed(exchange, e); // our own answer could not be written as JSON: the stand-in's fault
        } catch (IOException e) {
            // Only the exchange's streams do I/O here: the client hung up before its answer (a node
            // stopping, a killed exoip, a read abandoned for a fresh one). Routine, so one line and no trace.
            LOG.debug("stand-in {}: {} {}: the client went away before the answer ({})", baseUri(),
                    exchange.getRequestMethod(), exchange.getRequestURI(), e.getMessage());
        } catch (Exception e) {
            failed(exchange, e);
        } finally {
            exchange.close();
        }
    }

    private void failed(HttpExchange exchange, Exception e) {
        LOG.warn("stand-in {}: {} {} failed", baseUri(), exchange.getRequestMethod(), exchange.getRequestURI(), e);
        try {
            Replies.message(exchange, 500, "stand-in internal error: " + e);
        } catch (IOException | RuntimeException ignored) {
            // The response had started or the connection is gone: nothing more to tell the client.
        }
    }

    private void route(HttpExchange exchange) throws IOException, InterruptedException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        if (path.equals("/_standin") || path.startsWith("/_standin/")) {
            if (!controlAllowed(exchange.getRemoteAddress().getAddress(), controlFromAnyAddress)) {
                Replies.message(exchange, 403, "the control API answers loopback clients only"
                        + " (start the stand-in with --control-from-any-address to change that)");
            } else {
                control.handle(exchange, body);
            }
            return;
        }
        boolean isApi = path.equals("/v2") || path.startsWith("/v2/");
        Optional<String> metadataKey = metadataKey(path);
        String route = isApi ? ApiHandler.routeOf(method, path) : method + " " + path;
        if (isApi || metadataKey.isPresent()) {
            requestCounts.computeIfAbsent(route, r -> new LongAdder()).increment();
        }
        Optional<Fault> fault = faults.takeHttpFault(method, path,
                exchange.getRemoteAddress().getAddress().getHostAddress());
        if (fault.isPresent() && fault.get().kind() == Fault.Kind.AMBIGUOUS) {
            // The request is carried out, its answer lost on the way back: what a client of a real
            // API sees when a proxy times out after the write was done.
            LOG.debug("stand-in {}: fault {} on {}", baseUri(), fault.get().kind(), route);
            serve(new AnswerLost(exchange), body, isApi, metadataKey);
            Replies.text(exchange, 504, "text/html", "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n"
                    + "<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
                    + "</body>\r\n</html>\r\n");
            return;
        }
        if (fault.isPresent() && playFault(exchange, fault.get())) {
            LOG.debug("stand-in {}: fault {} on {}", baseUri(), fault.get().kind(), route);
            return;
        }
        serve(exchange, body, isApi, metadataKey);
    }

    private void serve(HttpExchange exchange, byte[] body, boolean isApi, Optional<String> metadataKey)
            throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        if (isApi) {
            api.handle(exchange, body);
        } else if (metadataKey.isPresent()) {
            metadata(exchange, metadataKey.get());
        } else {
            Replies.message(exchange, 404, "no route for " + method + " " + path);
        }
    }

    /** Plays a fault; returns whether that answered the request (a slow fault does not). */
    private boolean playFault(HttpExchange exchange, Fault fault) throws IOException, InterruptedException {
        switch (fault.kind()) {
            case PROXY_ERROR -> Replies.text(exchange, 502, "text/html",
                    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
                            + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
                            + "</body>\r\n</html>\r\n");
            case RATE_LIMITED -> {
                if (fault.retryAfterSeconds() >= 0) {
                    exchange.getResponseHeaders().set("Retry-After", Integer.toString(fault.retryAfterSeconds()));
                }
                Replies.message(exchange, 429, "Too many requests");
            }
            case UNAVAILABLE -> Replies.text(exchange, 500, "text/plain", "service unavailable");
            case SLOW -> {
                // Real time on purpose: the point is to make the client's own timeout fire.
                faults.awaitSlow(fault.delay());
                return false;
            }
            case DROP_CONNECTION -> {
                // Closing an exchange whose response has not started closes the connection itself.
                exchange.close();
            }
            case STATUS -> Replies.message(exchange, fault.status(), fault.message());
            case OPERATION_FAILURE, AMBIGUOUS -> throw new IllegalStateException("not played here: " + fault);
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
        return true;
    }

    /** The control API is unsigned: by default only a process on this host may steer the stand-in. */
    static boolean controlAllowed(InetAddress client, boolean fromAnyAddress) {
        return fromAnyAddress || client.isLoopbackAddress();
    }

    private static Optional<String> metadataKey(String path) {
        for (String prefix : List.of("/latest/meta-data/", "/1.0/meta-data/")) {
            if (path.startsWith(prefix)) {
                return Optional.of(path.substring(prefix.length()));
            }
        }
        return Optional.empty();
    }

    /** Answers as the metadata server answers the instance whose public IP is the client's address. */
    private void metadata(HttpExchange exchange, String key) throws IOException {
        if (!exchange.getRequestMethod().equals("GET")) {
            Replies.text(exchange, 405, "text/plain", "method not allowed");
            return;
        }
        String client = exchange.getRemoteAddress().getAddress().getHostAddress();
        Optional<StandinState.Instance> instance = state.instanceWithPublicIp(client);
        if (instance.isEmpty()) {
            Replies.text(exchange, 404, "text/plain", "no instance has the public IP " + client);
            return;
        }
        String value = switch (key) {
            case "instance-id" -> instance.get().id();
            case "availability-zone" -> state.zone();
            case "public-ipv4" -> instance.get().publicIp();
            default -> null;
        };
        if (value == null) {
            Replies.text(exchange, 404, "text/plain", "no metadata " + key);
        } else {
            Replies.text(exchange, 200, "text/plain", value);
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + n.incrementAndGet());
            // A forgotten close() in a test must not keep the JVM alive.
            thread.setDaemon(true);
            return thread;
        };
    }

    /** How to start a {@link StandinServer}; every option has a default. Not thread-safe. */
    public static final class Builder {
        private StandinClock clock = StandinClock.system();
        private StandinConfig config = StandinConfig.empty();
        private boolean controlFromAnyAddress;
        private int threads = 32;
        private StandinTls tls;

        private Builder() {
        }

        /** Serve HTTPS with this certificate and key instead of plain HTTP (default: plain HTTP). */
        public Builder tls(StandinTls tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** The clock for signature expiry, operation delays and event times (default: the system's). */
        public Builder clock(StandinClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The world to start with and to return to on {@link #reset()} (default: empty). */
        public Builder config(StandinConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Whether the control API answers clients that are not on loopback (default: false). */
        public Builder controlFromAnyAddress(boolean allow) {
            this.controlFromAnyAddress = allow;
            return this;
        }

        /** Request threads; slow faults hold one each (default: 32). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads is " + threads + " (expected: at least 1)");
            }
            this.threads = threads;
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @throws IOException when the address cannot be bound
         * @throws IllegalArgumentException when the configuration does not apply
         */
        public StandinServer start(InetSocketAddress bind) throws IOException {
            return new StandinServer(this, bind);
        }
    }
}

package org.exoip.exoscale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.exoscale.generated.ApiClient;
import org.exoip.exoscale.generated.ApiException;
import org.exoip.exoscale.generated.api.ElasticIpApi;
import org.exoip.exoscale.generated.api.InstanceApi;
import org.exoip.exoscale.generated.api.InstancePoolApi;
import org.exoip.exoscale.generated.api.OperationApi;
import org.exoip.exoscale.generated.api.PrivateNetworkApi;
import org.exoip.exoscale.generated.api.SecurityGroupApi;
import org.exoip.exoscale.generated.model.ElasticIp;
import org.exoip.exoscale.generated.model.ElasticIpList;
import org.exoip.exoscale.generated.model.InstanceList;
import org.exoip.exoscale.generated.model.InstanceListItem;
import org.exoip.exoscale.generated.model.InstanceState;
import org.exoip.exoscale.generated.model.Manager;
import org.exoip.exoscale.generated.model.ManagerType;
import org.exoip.exoscale.generated.model.InstanceTarget;
import org.exoip.exoscale.generated.model.Operation;
import org.exoip.exoscale.generated.model.OperationReason;
import org.exoip.exoscale.generated.model.OperationState;
import org.exoip.exoscale.generated.model.PrivateNetworkLease;
import org.exoip.exoscale.generated.model.ResourceRef;
import org.exoip.exoscale.generated.model.SecurityGroup;
import org.exoip.exoscale.generated.model.SecurityGroupList;
import org.exoip.exoscale.generated.model.UpdateElasticIpRequest;

/**
 * The calls exoip makes to the Exoscale API v2, on top of the client generated from
 * {@code src/main/openapi/exoscale-v2.yaml}: find an Elastic IP, see who holds it, move it, and
 * list the peers: a security group's members, an instance pool's, or the instances with labels.
 *
 * <p>Every request is signed ({@code EXO2-HMAC-SHA256}, valid 600 s from the injected clock), has
 * a connect and a request timeout, and is retried per the {@link RetrySchedule} when it failed for
 * a passing reason (429, 5xx, timeout, lost connection); other answers fail at once. Every failure
 * is an {@link ExoscaleException} that names the call and never holds the API secret.
 *
 * <p>Connections, made for a failover daemon whose one important request comes after hours of
 * quiet, through firewalls and NATs that may have forgotten an idle connection without a word:
 * <ul>
 *   <li>A connection idle longer than the idle timeout is never reused: the next request goes out
 *       on a new pool (and {@link #configureJdk} bounds every pooled connection's idle time).</li>
 *   <li>Writes go out twice: an attach, on which a failover waits, on the pooled connection and on
 *       a new one at the same moment, each with its own signature; a detach on the pooled one,
 *       and on a new one too when no answer came within two round trips. The first answer wins,
 *       and its pool is kept. So a connection that a middlebox forgot costs the attach one TCP
 *       and TLS handshake, never a request timeout. The keep-warm read is hedged the same way,
 *       after a second. Writes are safe to repeat: the API refuses
 *       the second attach (or detach) as a conflict, which is read back when it is the one
 *       waited for.</li>
 *   <li>After a network failure or timeout, the retry goes out on a new pool too.</li>
 *   <li>A host name is resolved off the request path (see {@link EndpointAddresses}): requests
 *       connect to its last good address, with the name in the Host header and in TLS (SNI and
 *       certificate check), so that a resolver that is slow or down never delays a failover.</li>
 * </ul>
 *
 * <p>Thread-safe. Every method blocks (network, back-off, operation polling): call it from a
 * worker thread, never from an event loop.
 */
public final class ExoscaleClient {

    private static final Logger LOG = LogManager.getLogger(ExoscaleClient.class);

    /**
     * Exoscale zone names: country, city, number, e.g. {@code ch-gva-2}, {@code ch-dk-2} (the city
     * part is not always three letters). The one definition that the command line, the metadata
     * client and the stand-in all check against.
     */
    public static final Pattern ZONE = Pattern.compile("[a-z]{2}-[a-z]+-[0-9]+");

    private static final String CREDENTIALS_HINT = "(the API refused the request's credentials or signature: "
            + "check the API key and secret, the key's role, and this host's clock)";

    /** The JDK's switch that lets a request carry its own Host header: needed to connect by address. */
    static final String ALLOW_RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";
    /** The JDK's bound, in seconds, on how long a pooled HTTP/1.1 connection may stay idle (default 1200). */
    static final String KEEPALIVE_TIMEOUT = "jdk.httpclient.keepalive.timeout";

    static {
        allowHostHeader();
    }

    static final long DEFAULT_IDLE_TIMEOUT_SECONDS = 20;
    /** The default idle timeout: well below the minute or more that stateful middleboxes keep a quiet flow. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_SECONDS);

    private final URI endpoint;
    private final String apiKey;
    private volatile String apiSecret;
    private final SigningInterceptor signing;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration idleTimeout;
    private final LongSupplier ticker;
    private final Clock clock;
    private final PollSchedule pollSchedule;
    private final RetrySchedule retrySchedule;
    /** The retry policy of a call made outside any {@link StepDeadline}. */
    private final RetryPolicy<Object> retryPolicy;
    private final SSLContext sslContext;
    /** Where requests connect when the endpoint is a host name; null for an address (or when the JDK forbids it). */
    private final EndpointAddresses addresses;
    /** The TLS parameters that put the endpoint's name in SNI when connecting by address; null otherwise. */
    private final SSLParameters pinnedTls;
    private final ObjectMapper mapper = objectMapper();
    /** The pool in use; replaced when idle too long or after a network failure. */
    private final AtomicReference<Transport> transport = new AtomicReference<>();
    /** Runs the two legs of a write race. */
    private final ExecutorService legs;
    private final boolean raceWrites;
    /** A fixed hedge delay for writes; null: none for an attach, two smoothed round trips for a detach. */
    private final Duration writeHedge;
    /** Smoothed time of a request's answer (1/8 weight to each new one), nanoseconds; 0 before the first. */
    private volatile long srttNanos;
    static final Duration MIN_HEDGE = Duration.ofMillis(20);
    static final Duration MAX_HEDGE = Duration.ofSeconds(1);
    /** Less than this left of a step's time, and no further try starts: a try needs a round trip at least. */
    static final Duration MIN_TRY = Duration.ofMillis(100);
    /**
     * The answer timeout of the try under way on this thread, shorter than the request timeout when
     * a {@link StepDeadline} is near; read by the request interceptor, which runs on that thread.
     */
    private static final ThreadLocal<Duration> TRY_TIMEOUT = new ThreadLocal<>();
    /** The status and content type of the last answer on this thread, to say what came instead of JSON. */
    private static final ThreadLocal<String[]> LAST_ANSWER = new ThreadLocal<>();
    /** Elastic IP ids never change, so one lookup per address is enough (until a 404 says otherwise). */
    private final ConcurrentMap<Inet4Address, UUID> elasticIpIds = new ConcurrentHashMap<>();

    private static final String V2_HINT = "(the API's base URL ends in /v2, e.g. https://api-ch-gva-2.exoscale.com/v2: "
            + "check -xe / IF_EXOSCALE_API_ENDPOINT)";

    private static final String TRUST_HINT = "(to trust a private CA, give its PEM file with --api-ca-file or "
            + "IF_EXOSCALE_API_CA_FILE)";

    private ExoscaleClient(Builder b) {
        this.endpoint = b.endpoint;
        this.apiKey = b.apiKey;
        this.apiSecret = b.apiSecret;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.idleTimeout = b.idleTimeout;
        this.raceWrites = b.raceWrites;
        this.writeHedge = b.writeHedge;
        this.ticker = b.ticker;
        this.clock = b.clock;
        this.pollSchedule = b.pollSchedule;
        this.retrySchedule = b.retrySchedule;
        this.retryPolicy = retryPolicy(b.retrySchedule, b.retrySchedule.maxElapsed());
        this.sslContext = b.trust != null ? b.trust : TrustedCertificates.jdkDefault();
        this.signing = new SigningInterceptor(new RequestSigner(apiKey, apiSecret), clock);
        String host = endpoint.getHost();
        if (isAddressLiteral(host)) {
            this.addresses = null;
            this.pinnedTls = null;
        } else if (!hostHeaderAllowed()) {
            LOG.warn("The JDK's HTTP client was set up before exoip could allow a Host header ({}=host): "
                    + "{} is resolved before each request, so a resolver outage delays requests", ALLOW_RESTRICTED_HEADERS,
                    host);
            this.addresses = null;
            this.pinnedTls = null;
        } else {
            this.addresses = new EndpointAddresses(host, b.resolver, b.dnsRefresh, ticker).start();
            SSLParameters tls = sslContext.getDefaultSSLParameters();
            tls.setServerNames(List.of(new SNIHostName(host)));
            this.pinnedTls = tls;
        }
        AtomicInteger legThreads = new AtomicInteger();
        this.legs = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "exoip-api-write-" + legThreads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        transport.set(new Transport());
    }

    /**
     * One HttpClient, with its pool of connections, and the generated APIs bound to it: replaced
     * as a whole, since the generated APIs keep the client they were made with.
     */
    private final class Transport {
        final ElasticIpApi elasticIps;
        final InstanceApi instances;
        final SecurityGroupApi securityGroups;
        final InstancePoolApi instancePools;
        final PrivateNetworkApi privateNetworks;
        final OperationApi operations;
        /** When a request on it last got an HTTP answer (ticker); 0 while none has. */
        volatile long answeredNanos;

        Transport() {
            // HTTP/1.1: a handful of requests need no multiplexing, and a plain-HTTP endpoint (a
            // stand-in, a proxy) then gets no h2c upgrade attempt.
            HttpClient.Builder httpBuilder = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(connectTimeout)
                    .sslContext(sslContext);
            if (pinnedTls != null) {
                httpBuilder.sslParameters(pinnedTls);
            }
            HttpClient http = httpBuilder.build();
            ApiClient api = new ApiClient(HttpClient.newBuilder(), mapper, endpoint.toString()) {
                /**
                 * The generated client builds a new HttpClient, with a selector thread of its own,
                 * for each API class that asks; one serves them all.
                 */
                @Override
                public HttpClient getHttpClient() {
                    return http;
                }
            };
            api.setConnectTimeout(connectTimeout);
            api.setReadTimeout(requestTimeout);
            api.setRequestInterceptor(ExoscaleClient.this::intercept);
            api.setResponseInterceptor(answer -> LAST_ANSWER.set(new String[] {
                Integer.toString(answer.statusCode()), answer.headers().firstValue("Content-Type").orElse("")}));
            this.elasticIps = new ElasticIpApi(api);
            this.instances = new InstanceApi(api);
            this.securityGroups = new SecurityGroupApi(api);
            this.instancePools = new InstancePoolApi(api);
            this.privateNetworks = new PrivateNetworkApi(api);
            this.operations = new OperationApi(api);
        }

        void answered() {
            answeredNanos = Math.max(1, ticker.getAsLong());
        }

        boolean idleTooLong(long now) {
            return answeredNanos != 0 && now - answeredNanos > idleTimeout.toNanos();
        }
    }

    /** The pool to use now: a new one when the last answer on the current one is older than the idle timeout. */
    private Transport transport() {
        Transport current = transport.get();
        if (current.idleTooLong(ticker.getAsLong())) {
            LOG.debug("API connection idle for more than {} ms: a new one for the next request", idleTimeout.toMillis());
            retire(current);
        }
        return transport.get();
    }

    /** Drops {@code stale}'s pool (if it is still the one in use), so that the next request connects afresh. */
    private void retire(Transport stale) {
        if (transport.get() == stale) {
            transport.compareAndSet(stale, new Transport());
        }
    }

    /** The request interceptor: the try's timeout, connect by the last good address of a host name, then sign. */
    private void intercept(HttpRequest.Builder builder) {
        Duration timeout = TRY_TIMEOUT.get();
        if (timeout != null) {
            builder.timeout(timeout);
        }
        if (addresses != null) {
            URI asked = builder.build().uri();
            builder.uri(byAddress(asked, addresses.current(connectTimeout)));
            builder.setHeader("Host", asked.getRawAuthority());
        }
        signing.accept(builder);
    }

    /** {@code uri} with its host replaced by {@code address}, and its port made explicit. */
    static URI byAddress(URI uri, InetAddress address) {
        String literal = address instanceof Inet6Address
                ? "[" + address.getHostAddress().replace("%", "%25") + "]" : address.getHostAddress();
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        return URI.create(uri.getScheme() + "://" + literal + ":" + port + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    }

    private static boolean isAddressLiteral(String host) {
        return host.startsWith("[") || host.matches("[0-9.]+");
    }

    /** Lets requests carry a Host header, unless the JDK's HTTP client has read its settings already. */
    static void allowHostHeader() {
        String allowed = System.getProperty(ALLOW_RESTRICTED_HEADERS, "");
        for (String header : allowed.split(",")) {
            if (header.strip().equalsIgnoreCase("host")) {
                return;
            }
        }
        System.setProperty(ALLOW_RESTRICTED_HEADERS, allowed.isBlank() ? "host" : allowed + ",host");
    }

    private static boolean hostHeaderAllowed() {
        try {
            HttpRequest.newBuilder().setHeader("Host", "example.org");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Sets the JDK HTTP client's process-wide settings that exoip relies on: the Host header that
     * connecting by address needs, and {@code idleTimeout} as the bound on every pooled
     * connection's idle time (unless {@value #KEEPALIVE_TIMEOUT} was given to the JVM). Takes effect
     * only when called before the process makes its first HttpClient: call it first thing.
     */
    public static void configureJdk(Duration idleTimeout) {
        allowHostHeader();
        if (System.getProperty(KEEPALIVE_TIMEOUT) == null) {
            long seconds = Math.max(1, (idleTimeout.toMillis() + 999) / 1000);
            System.setProperty(KEEPALIVE_TIMEOUT, Long.toString(seconds));
        }
    }

    /**
     * Signs every request from now on with {@code secret} (the API secret was rotated); a request
     * under way keeps the signature it has. Thread-safe.
     */
    public void useSecret(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("Exoscale API secret is blank");
        }
        signing.use(new RequestSigner(apiKey, secret));
        apiSecret = secret;
    }

    /** A builder; endpoint (or zone), API key and secret are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The API endpoint of an Exoscale zone: {@code https://api-<zone>.exoscale.com/v2}. */
    public static URI endpointOf(String zone) {
        if (zone == null || !ZONE.matcher(zone).matches()) {
            throw new IllegalArgumentException("not an Exoscale zone name: " + zone + " (expected e.g. ch-gva-2)");
        }
        return URI.create("https://api-" + zone + ".exoscale.com/v2");
    }

    /**
     * Loads and initialises what the first API call will need (the JDK's TLS context with its
     * trust store, Jackson's (de)serializers for the API's objects), so that a spare core can do
     * it while the main thread starts logging and parses the command line. Cuts the start-up of
     * {@code exoip -A}; safe to call from any thread, any number of times; never throws.
     */
    public static void warmUp() {
        try {
            javax.net.ssl.SSLContext.getDefault();
            ObjectMapper mapper = objectMapper();
            String id = "\"id\":\"00000000-0000-4000-8000-000000000000\"";
            mapper.readValue("{\"elastic-ips\":[{" + id + ",\"ip\":\"192.0.2.1\"}]}", ElasticIpList.class);
            mapper.readValue("{\"instances\":[{" + id + ",\"public-ip\":\"192.0.2.1\","
                    + "\"security-groups\":[{" + id + "}]}]}", InstanceList.class);
            mapper.readValue("{\"security-groups\":[{" + id + ",\"name\":\"x\"}]}", SecurityGroupList.class);
            mapper.readValue("{" + id + ",\"state\":\"success\",\"reference\":{" + id + "}}", Operation.class);
            mapper.writeValueAsBytes(new InstanceTarget().instance(new ResourceRef().id(UUID.randomUUID())));
        } catch (Exception | LinkageError e) {
            // Only a warm-up: the real call will meet whatever this met, and say so.
        }
    }

    /**
     * The ObjectMapper the generated client uses: the settings of the generated
     * {@code ApiClient.createDefaultObjectMapper()} without its two java.time modules, since no
     * field of our OpenAPI subset is a date (ExoscaleClientMapperTest fails when one becomes
     * one); registering them loaded some 100 classes into every process. Unknown fields are
     * ignored and unknown enum values become {@code UNKNOWN_DEFAULT_OPEN_API} (generator
     * option), since the API adds both.
     */
    static ObjectMapper objectMapper() {
        return new ObjectMapper()
                .setSerializationInclusion(JsonInclude.Include.NON_NULL)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE, false)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
                .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
                .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING);
    }

    /** The base URL requests go to, with {@code /v2}. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * The id of the Elastic IP with address {@code ip}; remembered after the first lookup.
     *
     * @throws ExoscaleException when no Elastic IP, or more than one, has that address
     */
    public UUID elasticIpId(Inet4Address ip) throws ExoscaleException {
        Objects.requireNonNull(ip, "ip");
        UUID known = elasticIpIds.get(ip);
        if (known != null) {
            return known;
        }
        String what = "find Elastic IP " + ip.getHostAddress();
        List<ElasticIp> all = call(what, t -> t.elasticIps.listElasticIps().getElasticIps());
        Map<String, List<UUID>> byAddress = nullToEmpty(all).stream().filter(eip -> eip.getIp() != null
                && eip.getId() != null).collect(Collectors.groupingBy(ElasticIp::getIp,
                        Collectors.mapping(ElasticIp::getId, Collectors.toList())));
        List<UUID> matches = byAddress.getOrDefault(ip.getHostAddress(), List.of());
        if (matches.isEmpty()) {
            throw new ExoscaleException(what, "no Elastic IP has this address at " + endpoint
                    + " (Elastic IPs are zone-local: is this the right zone?)", false, null);
        }
        if (matches.size() > 1) {
            throw new ExoscaleException(what, matches.size() + " Elastic IPs have this address: " + matches,
                    false, null);
        }
        // One listing answers for every address: a node that keeps several looks them up once.
        byAddress.forEach((address, ids) -> {
            if (ids.size() == 1) {
                Ipv4.parse(address).ifPresent(parsed -> elasticIpIds.putIfAbsent(parsed, ids.get(0)));
            }
        });
        elasticIpIds.put(ip, matches.get(0));
        return matches.get(0);
    }

    /**
     * Proves the API path with one cheap signed read, {@code GET /elastic-ip/{id}} (after the
     * one-time lookup of the id): the endpoint answers, the credentials are accepted, and the
     * Elastic IP exists. Keeps the pooled connection warm for the write that a failover needs.
     * Hedged as a write is ({@link #readHedge}): a pooled connection that a middlebox forgot makes
     * the read go out on a new one after a second, so it never waits out the request timeout.
     *
     * @throws ExoscaleException as any call; a 404 means the Elastic IP is gone
     */
    public void checkElasticIp(Inet4Address ip) throws ExoscaleException {
        UUID id = elasticIpId(ip);
        String what = "read Elastic IP " + ip.getHostAddress();
        try {
            race(what, t -> t.elasticIps.getElasticIp(id), readHedge());
        } catch (ExoscaleException e) {
            if (e.status().orElse(0) == 404) {
                elasticIpIds.remove(ip, id);
            }
            throw e;
        }
    }

    /** The labels of the Elastic IP with address {@code ip}, from {@code GET /elastic-ip/{id}}. */
    public Map<String, String> elasticIpLabels(Inet4Address ip) throws ExoscaleException {
        UUID id = elasticIpId(ip);
        ElasticIp got = call("read the labels of Elastic IP " + ip.getHostAddress(), t -> t.elasticIps.getElasticIp(id));
        return got == null || got.getLabels() == null ? Map.of() : Map.copyOf(got.getLabels());
    }

    /**
     * Replaces the labels of the Elastic IP with address {@code ip} ({@code PUT /elastic-ip/{id}})
     * and waits until the operation has succeeded. The API keeps the last writer's labels.
     */
    public void setElasticIpLabels(Inet4Address ip, Map<String, String> labels) throws ExoscaleException {
        UUID id = elasticIpId(ip);
        String what = "write the labels of Elastic IP " + ip.getHostAddress();
        UpdateElasticIpRequest body = new UpdateElasticIpRequest().labels(new java.util.HashMap<>(labels));
        Operation started = write(what, id, t -> t.elasticIps.updateElasticIp(id, body), hedgeDelay(false));
        await(what, started, () -> labels.equals(elasticIpLabels(ip)));
    }

    /** The instances {@code GET /instance?ip-address=<ip>} says the address is attached to. */
    public Set<UUID> instancesHolding(Inet4Address ip) throws ExoscaleException {
        Objects.requireNonNull(ip, "ip");
        List<InstanceListItem> items = call("list the instances holding " + ip.getHostAddress(),
                t -> t.instances.listInstances(null, null, ip.getHostAddress(), null).getInstances());
        return nullToEmpty(items).stream()
                .map(InstanceListItem::getId)
                .filter(Objects::nonNull)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** The Elastic IPs attached to {@code instance}, from {@code GET /instance/{id}}: the authoritative list. */
    public Set<UUID> elasticIpsOf(UUID instance) throws ExoscaleException {
        org.exoip.exoscale.generated.model.Instance got = getInstance(instance);
        return ids(got.getElasticIps());
    }

    /** One instance: id, name, public IPv4 address, security groups. */
    public Instance instance(UUID instance) throws ExoscaleException {
        org.exoip.exoscale.generated.model.Instance got = getInstance(instance);
        return new Instance(instance, got.getName(), Ipv4.parse(got.getPublicIp()), ids(got.getSecurityGroups()));
    }

    private org.exoip.exoscale.generated.model.Instance getInstance(UUID instance) throws ExoscaleException {
        Objects.requireNonNull(instance, "instance");
        String what = "get instance " + instance;
        org.exoip.exoscale.generated.model.Instance got = call(what, t -> t.instances.getInstance(instance));
        if (got == null) {
            throw new ExoscaleException(what, "the answer was empty", true, null);
        }
        return got;
    }

    /** Attaches the Elastic IP to {@code instance} and waits until the operation has succeeded. */
    public void attach(UUID elasticIp, UUID instance) throws ExoscaleException {
        String what = "attach Elastic IP " + describe(elasticIp) + " to instance " + instance;
        InstanceTarget body = target(instance);
        move(what, elasticIp, instance, true, t -> t.elasticIps.attachInstanceToElasticIp(elasticIp, body));
    }

    /** Detaches the Elastic IP from {@code instance} and waits until the operation has succeeded. */
    public void detach(UUID elasticIp, UUID instance) throws ExoscaleException {
        String what = "detach Elastic IP " + describe(elasticIp) + " from instance " + instance;
        InstanceTarget body = target(instance);
        move(what, elasticIp, instance, false, t -> t.elasticIps.detachInstanceFromElasticIp(elasticIp, body));
    }

    /**
     * A write and the wait for its operation. Safe to repeat: the API refuses the attach of an
     * instance that holds the address (and the detach of one that does not) as a conflict, and so
     * does it the second request of a race, which may be the operation we wait for. After a
     * conflict the instance is read, and the move counts as done when it is in the state asked for.
     */
    private void move(String what, UUID elasticIp, UUID instance, boolean attach, ApiCall<Operation> put)
            throws ExoscaleException {
        Operation started = write(what, elasticIp, put, hedgeDelay(attach));
        await(what, started, () -> elasticIpsOf(instance).contains(elasticIp) == attach);
    }

    /** Whether the cloud is in the state a write asked for. */
    @FunctionalInterface
    private interface Confirmation {
        boolean holds() throws ExoscaleException;
    }

    private static InstanceTarget target(UUID instance) {
        Objects.requireNonNull(instance, "instance");
        return new InstanceTarget().instance(new ResourceRef().id(instance));
    }

    private Operation write(String what, UUID elasticIp, ApiCall<Operation> put, Duration hedge)
            throws ExoscaleException {
        Objects.requireNonNull(elasticIp, "elasticIp");
        try {
            return race(what, put, hedge);
        } catch (ExoscaleException e) {
            if (e.status().orElse(0) == 404) {
                // The Elastic IP may have been deleted and created again: look it up afresh next time.
                elasticIpIds.values().remove(elasticIp);
            }
            throw e;
        }
    }

    /**
     * The instances in the security group named {@code groupName} (exact match). There is no
     * server-side filter: list the groups, then all instances, and keep the group's members.
     *
     * @throws ExoscaleException when no group, or more than one, has that name
     */
    public List<Instance> securityGroupMembers(String groupName) throws ExoscaleException {
        Objects.requireNonNull(groupName, "groupName");
        String what = "list the members of security group \"" + groupName + "\"";
        List<SecurityGroup> groups = call(what, t -> t.securityGroups.listSecurityGroups(null).getSecurityGroups());
        List<UUID> matches = nullToEmpty(groups).stream()
                .filter(g -> groupName.equals(g.getName()) && g.getId() != null)
                .map(SecurityGroup::getId)
                .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new ExoscaleException(what, "no security group has this name", false, null);
        }
        if (matches.size() > 1) {
            throw new ExoscaleException(what, matches.size() + " security groups have this name: " + matches
                    + " (rename them so the name is unique)", false, null);
        }
        UUID group = matches.get(0);
        List<InstanceListItem> items = call(what, t -> t.instances.listInstances(null, null, null, null).getInstances());
        List<Instance> members = new ArrayList<>();
        for (InstanceListItem item : nullToEmpty(items)) {
            Set<UUID> itemGroups = ids(item.getSecurityGroups());
            if (item.getId() != null && itemGroups.contains(group)) {
                members.add(new Instance(item.getId(), item.getName(), Ipv4.parse(item.getPublicIp()), itemGroups));
            }
        }
        return members;
    }

    // ---- peers from instance pools and labels -----------------------------------------------

    /**
     * The instance pool whose id or name is {@code nameOrId} (exact match), from {@code GET
     * /instance-pool}.
     *
     * @throws ExoscaleException when no pool, or more than one, has that name or id
     */
    public InstancePool instancePool(String nameOrId) throws ExoscaleException {
        Objects.requireNonNull(nameOrId, "nameOrId");
        String what = "find instance pool \"" + nameOrId + "\"";
        List<org.exoip.exoscale.generated.model.InstancePool> pools = call(what,
                t -> t.instancePools.listInstancePools().getInstancePools());
        return pool(onlyMatch(what, "instance pool", nameOrId, pools,
                org.exoip.exoscale.generated.model.InstancePool::getId,
                org.exoip.exoscale.generated.model.InstancePool::getName));
    }

    /**
     * The one item whose id or name is {@code nameOrId} (exact match; ids in any case).
     *
     * @param kind what the items are, as the refusal names them ({@code instance pool})
     * @throws ExoscaleException when no item, or more than one, has that name or id
     */
    private <T> T onlyMatch(String what, String kind, String nameOrId, List<T> items,
            java.util.function.Function<T, UUID> id, java.util.function.Function<T, String> name)
            throws ExoscaleException {
        List<T> matches = nullToEmpty(items).stream()
                .filter(p -> id.apply(p) != null
                        && (nameOrId.equals(name.apply(p)) || nameOrId.equalsIgnoreCase(id.apply(p).toString())))
                .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new ExoscaleException(what, "no " + kind + " has this name or id at " + endpoint
                    + " (" + kind + "s are zone-local: is this the right zone?)", false, null);
        }
        if (matches.size() > 1) {
            throw new ExoscaleException(what, matches.size() + " " + kind + "s have this name: "
                    + matches.stream().map(p -> id.apply(p).toString()).collect(Collectors.toList())
                    + " (give the id, or rename them so the name is unique)", false, null);
        }
        return matches.get(0);
    }

    /**
     * The instance pool that manages {@code instance}, from its {@code manager} (GET /instance/{id},
     * then GET /instance-pool/{id}); empty when no pool manages it (an SKS node pool is not one).
     */
    public Optional<InstancePool> poolOf(UUID instance) throws ExoscaleException {
        Manager manager = getInstance(instance).getManager();
        if (manager == null || manager.getId() == null || manager.getType() != ManagerType.INSTANCE_POOL) {
            return Optional.empty();
        }
        UUID id = manager.getId();
        String what = "get instance pool " + id + " (the manager of instance " + instance + ")";
        org.exoip.exoscale.generated.model.InstancePool got = call(what, t -> t.instancePools.getInstancePool(id));
        if (got == null || got.getId() == null) {
            throw new ExoscaleException(what, "the answer was empty", true, null);
        }
        return Optional.of(pool(got));
    }

    /**
     * The running members of the instance pool {@code pool}: {@code GET
     * /instance?manager-id=ID&manager-type=instance-pool}, each item checked again on its own
     * {@code manager} and {@code state}.
     */
    public List<Instance> poolMembers(UUID pool) throws ExoscaleException {
        Objects.requireNonNull(pool, "pool");
        List<InstanceListItem> items = call("list the members of instance pool " + pool,
                t -> t.instances.listInstances(pool, ManagerType.INSTANCE_POOL.getValue(), null, null).getInstances());
        return running(items, item -> item.getManager() != null && pool.equals(item.getManager().getId())
                && item.getManager().getType() == ManagerType.INSTANCE_POOL);
    }

    /**
     * The running instances that carry every one of {@code labels}. The API's {@code labels}
     * filter has no documented format: one {@code key=value} pair is sent, and every pair is
     * checked again on the returned instances.
     */
    public List<Instance> labelled(Map<String, String> labels) throws ExoscaleException {
        if (labels.isEmpty()) {
            throw new IllegalArgumentException("no labels to match");
        }
        Map.Entry<String, String> first = labels.entrySet().iterator().next();
        String what = "list the instances labelled " + labels.entrySet().stream()
                .map(l -> l.getKey() + "=" + l.getValue()).collect(Collectors.joining(","));
        List<InstanceListItem> items = call(what,
                t -> t.instances.listInstances(null, null, null, first.getKey() + "=" + first.getValue())
                        .getInstances());
        return running(items, item -> item.getLabels() != null && item.getLabels().entrySet()
                .containsAll(labels.entrySet()));
    }

    // ---- private networks ---------------------------------------------------------------------

    /**
     * The private network whose id or name is {@code nameOrId} (exact match), found in {@code GET
     * /private-network}, with its leases read from {@code GET /private-network/{id}}: two requests,
     * so that a network made again under the same name is followed, and the leases are the
     * network's own answer. A lease without an instance or a dotted-quad address is left out.
     *
     * @throws ExoscaleException when no network, or more than one, has that name or id
     */
    public PrivateNetwork privateNetwork(String nameOrId) throws ExoscaleException {
        Objects.requireNonNull(nameOrId, "nameOrId");
        String what = "find private network \"" + nameOrId + "\"";
        List<org.exoip.exoscale.generated.model.PrivateNetwork> networks = call(what,
                t -> t.privateNetworks.listPrivateNetworks().getPrivateNetworks());
        UUID id = onlyMatch(what, "private network", nameOrId, networks,
                org.exoip.exoscale.generated.model.PrivateNetwork::getId,
                org.exoip.exoscale.generated.model.PrivateNetwork::getName).getId();
        String read = "read the leases of private network \"" + nameOrId + "\" (" + id + ")";
        org.exoip.exoscale.generated.model.PrivateNetwork got = call(read, t -> t.privateNetworks.getPrivateNetwork(id));
        if (got == null || got.getId() == null) {
            throw new ExoscaleException(read, "the answer was empty", true, null);
        }
        Map<UUID, Inet4Address> leases = new java.util.LinkedHashMap<>();
        for (PrivateNetworkLease lease : nullToEmpty(got.getLeases())) {
            Optional<Inet4Address> ip = Ipv4.parse(lease.getIp());
            if (lease.getInstanceId() != null && ip.isPresent()) {
                leases.put(lease.getInstanceId(), ip.get());
            }
        }
        return new PrivateNetwork(got.getId(), got.getName(), leases);
    }

    /** The items that are running and pass {@code keep}, as Instances. */
    private static List<Instance> running(List<InstanceListItem> items,
            java.util.function.Predicate<InstanceListItem> keep) {
        List<Instance> kept = new ArrayList<>();
        for (InstanceListItem item : nullToEmpty(items)) {
            if (item.getId() != null && item.getState() == InstanceState.RUNNING && keep.test(item)) {
                kept.add(new Instance(item.getId(), item.getName(), Ipv4.parse(item.getPublicIp()),
                        ids(item.getSecurityGroups())));
            }
        }
        return kept;
    }

    private static InstancePool pool(org.exoip.exoscale.generated.model.InstancePool got) {
        return new InstancePool(got.getId(), got.getName(), got.getState() == null ? null : describe(got.getState()),
                ids(got.getInstances()), ids(got.getElasticIps()));
    }

    // ---- operations -------------------------------------------------------------------------

    /**
     * Polls the operation until it is no longer pending, then throws unless it succeeded, or it
     * failed as a conflict and {@code afterConflict} (if given) says the cloud is as asked anyway.
     */
    private void await(String what, Operation started, Confirmation afterConflict) throws ExoscaleException {
        if (started == null) {
            throw new ExoscaleException(what, "the answer held no operation", false, null);
        }
        Operation last = started;
        if (stillRunning(started)) {
            UUID id = started.getId();
            if (id == null) {
                throw new ExoscaleException(what, "the operation has no id to poll", false, null);
            }
            Duration pollFor = pollSchedule.deadline();
            StepDeadline deadline = StepDeadline.current();
            if (deadline != null && deadline.remainingNanos() - MIN_TRY.toNanos() < pollFor.toNanos()) {
                pollFor = Duration.ofNanos(Math.max(0, deadline.remainingNanos() - MIN_TRY.toNanos()));
            }
            long polling = System.nanoTime();
            if (pollFor.compareTo(pollSchedule.firstDelay()) > 0) {
                // The first "attempt" hands back the operation we already have, so that Failsafe
                // waits firstDelay before the first GET: an attach never completes instantly.
                last = runFailsafe(what, Failsafe.with(pollPolicy(pollFor)), ctx -> ctx.isFirstAttempt()
                        ? started
                        : call(what + ": poll operation " + id, t -> t.operations.getOperation(id)));
            }
            if (stillRunning(last)) {
                throw new ExoscaleException(what, "operation " + id + " still " + describe(last.getState())
                        + " after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - polling) + " ms"
                        + (pollFor.equals(pollSchedule.deadline()) ? ""
                                : " (the end of the " + seconds(deadline.allowed()) + " allowed to the step)"),
                        true, null);
            }
        }
        OperationState state = last.getState();
        if (state == OperationState.SUCCESS) {
            return;
        }
        String operation = "operation " + (last.getId() == null ? "" : last.getId() + " ");
        OperationReason reason = last.getReason();
        if (reason == OperationReason.CONFLICT && afterConflict != null && confirmed(afterConflict)) {
            LOG.debug("{}: conflict ({}), and the instance is as asked already", what, last.getMessage());
            return;
        }
        String message = last.getMessage() == null || last.getMessage().isBlank() ? "" : ": " + last.getMessage();
        throw new ExoscaleException(what,
                operation + describe(state) + " (reason " + describe(reason) + ")" + redact(message),
                retryable(state, reason), null);
    }

    /** Whether the cloud is as asked; false when the read-back fails too (the conflict is then the news). */
    private static boolean confirmed(Confirmation confirmation) {
        try {
            return confirmation.holds();
        } catch (ExoscaleException e) {
            LOG.debug("Reading back after a conflict failed: {}", e.getMessage());
            return false;
        }
    }

    private static boolean stillRunning(Operation operation) {
        OperationState state = operation.getState();
        // A state this program does not know yet is neither success nor failure: keep polling
        // until the deadline rather than guess.
        return state == null || state == OperationState.PENDING || state == OperationState.UNKNOWN_DEFAULT_OPEN_API;
    }

    /** Passing outcomes: the platform timed out, was busy, or was interrupted; not a refusal. */
    private static boolean retryable(OperationState state, OperationReason reason) {
        if (state == OperationState.TIMEOUT) {
            return true;
        }
        return reason == OperationReason.BUSY || reason == OperationReason.UNAVAILABLE
                || reason == OperationReason.INTERRUPTED || reason == OperationReason.FAULT;
    }

    private static String describe(Enum<?> value) {
        if (value == null) {
            return "unknown";
        }
        // The generated enums fold values added after our description into this one constant.
        return value.name().equals("UNKNOWN_DEFAULT_OPEN_API") ? "unrecognised" : value.toString();
    }

    /** Polls every so often (the schedule's delays) for at most {@code pollFor}. */
    private RetryPolicy<Operation> pollPolicy(Duration pollFor) {
        RetryPolicyBuilder<Operation> poll = RetryPolicy.<Operation>builder()
                .handleResultIf(ExoscaleClient::stillRunning)
                // A failed GET has already been retried by call(): it ends the wait.
                .abortOn(Throwable.class)
                .withMaxRetries(-1)
                .withMaxDuration(pollFor);
        if (pollSchedule.firstDelay().equals(pollSchedule.maxDelay())) {
            poll.withDelay(pollSchedule.firstDelay());
        } else {
            poll.withBackoff(pollSchedule.firstDelay(), pollSchedule.maxDelay());
        }
        return poll.build();
    }

    // ---- calls, retries and errors ----------------------------------------------------------

    /** One generated-client call, on the APIs of the given pool. */
    @FunctionalInterface
    private interface ApiCall<T> {
        T run(Transport transport) throws ApiException;
    }

    /**
     * Runs {@code apiCall} with the retry policy; every failure leaves as an ExoscaleException.
     * Failsafe rather than a loop of our own: back-off, jitter, the attempt and time bounds and
     * Retry-After are its well-tested options, and the same library polls operations.
     */
    private <T> T call(String what, ApiCall<T> apiCall) throws ExoscaleException {
        Tries tries = new Tries(StepDeadline.current());
        try {
            return runFailsafe(what, Failsafe.with(tries.policy(what)),
                    ctx -> attempt(what, transport(), apiCall, tries.next(ctx)));
        } catch (ExoscaleException e) {
            throw tries.explain(e);
        }
    }

    /**
     * The tries of one call: each one's answer timeout, a retry policy that fits them before the
     * step's deadline (when one is set), and, when the call fails, how many there were in how long.
     */
    private final class Tries {
        private final StepDeadline deadline;
        private final long start = System.nanoTime();
        private final AtomicInteger count = new AtomicInteger();

        Tries(StepDeadline deadline) {
            this.deadline = deadline;
        }

        /**
         * The schedule's policy, its time bound cut to the step's time left less a last try's
         * minimum, so that no try starts too late to be answered; one try when that leaves no room.
         */
        RetryPolicy<Object> policy(String what) throws ExoscaleException {
            if (deadline == null) {
                return retryPolicy;
            }
            long left = deadline.remainingNanos();
            if (left <= 0) {
                throw new ExoscaleException(what, "no time left of the " + seconds(deadline.allowed())
                        + " allowed to the step", true, null);
            }
            long forRetries = left - MIN_TRY.toNanos();
            return forRetries > retrySchedule.firstDelay().toNanos()
                    ? retryPolicy(retrySchedule, Duration.ofNanos(forRetries)) : ONE_TRY;
        }

        /**
         * Counts a try; its answer timeout. A retry that a busy machine started too close to the
         * deadline to be answered is not made: the last failure stands.
         */
        Duration next(ExecutionContext<?> context) throws ExoscaleException {
            if (deadline != null && !context.isFirstAttempt() && deadline.remainingNanos() < MIN_TRY.toNanos() / 2
                    && context.getLastException() instanceof ExoscaleException last) {
                throw last;
            }
            count.incrementAndGet();
            if (deadline != null) {
                deadline.tried();
            }
            return timeout();
        }

        /** The request timeout, or the step's time left when that is shorter (at least a millisecond). */
        Duration timeout() {
            if (deadline == null) {
                return requestTimeout;
            }
            long left = Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline.remainingNanos());
            return left < requestTimeout.toNanos() ? Duration.ofNanos(left) : requestTimeout;
        }

        /** {@code e}, with the tries and their time when there were several or the step's time ran out. */
        ExoscaleException explain(ExoscaleException e) {
            int n = count.get();
            boolean timeUp = deadline != null && deadline.remainingNanos() < MIN_TRY.toNanos();
            if (n == 0 || (n == 1 && !timeUp)) {
                return e;
            }
            return e.withNote(String.format(Locale.ROOT, "(%d %s in %.1f s%s)", n, n == 1 ? "try" : "tries",
                    (System.nanoTime() - start) / 1e9,
                    timeUp ? ", all of the " + seconds(deadline.allowed()) + " allowed" : ""));
        }
    }

    /** A policy that never retries: for a try that takes what is left of a step. */
    private static final RetryPolicy<Object> ONE_TRY = RetryPolicy.builder().withMaxRetries(0).build();

    /** {@code 3 s}, {@code 2.5 s}: a duration as people give it. */
    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s"
                : String.format(Locale.ROOT, "%.3f", d.toMillis() / 1e3).replaceAll("0+$", "") + " s";
    }

    /**
     * One try of {@code apiCall} on {@code on}. An HTTP answer, even an error, proves the
     * connection; a network failure or timeout retires the pool, so that a retry connects afresh.
     */
    private <T> T attempt(String what, Transport on, ApiCall<T> apiCall, Duration timeout) throws ExoscaleException {
        long start = ticker.getAsLong();
        TRY_TIMEOUT.set(timeout);
        LAST_ANSWER.remove();
        try {
            T value = apiCall.run(on);
            answered(on, start);
            return value;
        } catch (ApiException e) {
            if (e.getCode() > 0 && e.getCause() == null) {
                answered(on, start);
            } else if (e.getCause() instanceof IOException) {
                retire(on);
                if (addresses != null && (e.getCause() instanceof ConnectException
                        || e.getCause() instanceof HttpConnectTimeoutException)) {
                    addresses.failed(addresses.current(connectTimeout));
                }
            }
            throw failure(what, e, timeout);
        } catch (EndpointAddresses.UnresolvedException e) {
            throw new ExoscaleException(what, e.getMessage(), true, null);
        } catch (RuntimeException e) {
            // E.g. the signing interceptor could not read the body: a bug, not a passing fault.
            throw new ExoscaleException(what, redact(String.valueOf(e.getMessage())), false, e);
        } finally {
            TRY_TIMEOUT.remove();
        }
    }

    /** An HTTP answer on {@code on} to a request sent at {@code start}: the pool is alive, and the time is a round trip. */
    private void answered(Transport on, long start) {
        on.answered();
        long took = Math.max(0, ticker.getAsLong() - start);
        long before = srttNanos;
        srttNanos = before == 0 ? took : before + (took - before) / 8;
    }

    /**
     * A write (or the keep-warm read), with the retry policy, each try hedged: the request goes out on the pooled
     * connection; when that has not answered within the hedge delay ({@code hedge}, see {@link
     * #hedgeDelay}), the same request goes out on a new
     * pool too, with its own signature, and the first success wins (its pool becomes the one in
     * use, before the call returns). An HTTP refusal other than a conflict ends the try at once; a
     * conflict or a network failure waits for the other leg, since the other request may be the
     * one that got through. A pool that has never answered has nothing to doubt: no hedge.
     */
    private <T> T race(String what, ApiCall<T> apiCall, Duration hedge) throws ExoscaleException {
        Tries tries = new Tries(StepDeadline.current());
        try {
            return runFailsafe(what, Failsafe.with(tries.policy(what)), ctx -> raceOnce(what, apiCall, hedge, tries, tries.next(ctx)));
        } catch (ExoscaleException e) {
            throw tries.explain(e);
        }
    }

    /** One try of {@link #race}: the pooled leg, and the fresh one when the pooled one is late. */
    private <T> T raceOnce(String what, ApiCall<T> apiCall, Duration hedge, Tries tries, Duration timeout)
            throws ExoscaleException {
        Transport pooled = transport();
        if (!raceWrites || pooled.answeredNanos == 0) {
            return attempt(what, pooled, apiCall, timeout);
        }
        CompletableFuture<T> pooledLeg = leg(what, pooled, apiCall, timeout);
        // No hedge delay (an attach): both go out, whatever a busy machine makes of the first one meanwhile.
        if (!hedge.isZero()) {
            try {
                return pooledLeg.get(hedge.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                LOG.debug("{}: no answer on the pooled connection within {} ms; the same request on a new one",
                        what, hedge.toMillis());
            } catch (ExecutionException e) {
                // A failure within the hedge delay (a reset, a refusal) is the answer: retried, or not, as any.
                throw unwrap(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExoscaleException(what, "interrupted", false, e);
            }
        }
        Transport fresh = new Transport();
        CompletableFuture<T> freshLeg = leg(what, fresh, apiCall, tries.timeout());
        CompletableFuture<T> first = new CompletableFuture<>();
        AtomicBoolean won = new AtomicBoolean();
        AtomicReference<ExoscaleException> failure = new AtomicReference<>();
        for (CompletableFuture<T> leg : List.of(pooledLeg, freshLeg)) {
            leg.whenComplete((value, thrown) -> {
                if (thrown == null) {
                    if (won.compareAndSet(false, true)) {
                        if (leg == freshLeg) {
                            // Keep the connection that answered (before the caller goes on): the
                            // pooled one, or what replaced it, may be dead or busy with the lost request.
                            transport.getAndUpdate(now -> now == pooled || now.answeredNanos == 0 ? fresh : now);
                            LOG.debug("{}: the new connection answered first", what);
                        }
                        first.complete(value);
                    }
                    return;
                }
                ExoscaleException e = unwrap(thrown);
                boolean conclusive = e.status().isPresent() && e.status().getAsInt() != 409;
                if (conclusive || !failure.compareAndSet(null, e)) {
                    ExoscaleException other = failure.get();
                    first.completeExceptionally(conclusive || other == null ? e : other);
                }
            });
        }
        try {
            return first.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExoscaleException(what, "interrupted", false, e);
        }
    }

    /** One leg of a write on its own thread; a failure completes it with a CompletionException around the ExoscaleException. */
    private <T> CompletableFuture<T> leg(String what, Transport on, ApiCall<T> apiCall, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return attempt(what, on, apiCall, timeout);
            } catch (ExoscaleException e) {
                throw new CompletionException(e);
            }
        }, legs);
    }

    /** The ExoscaleException a leg failed with, out of the wrappers of futures. */
    private static ExoscaleException unwrap(Throwable thrown) {
        Throwable t = thrown;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ExoscaleException e ? e : new ExoscaleException("API call", String.valueOf(t), false, t);
    }

    /**
     * How long a write waits on the pooled connection before it goes out on a new one too: the
     * builder's {@link Builder#writeHedge} if given, else none for an attach, on which a failover
     * waits, and two smoothed round trips for a detach.
     */
    private Duration hedgeDelay(boolean attach) {
        if (writeHedge != null) {
            return writeHedge;
        }
        if (attach) {
            return Duration.ZERO;
        }
        long twoRoundTrips = 2 * srttNanos;
        return Duration.ofNanos(Math.max(MIN_HEDGE.toNanos(), Math.min(MAX_HEDGE.toNanos(), twoRoundTrips)));
    }

    /**
     * How long the keep-warm read waits on the pooled connection before it goes out on a new one
     * too: four smoothed round trips, at least {@link #MAX_HEDGE}, so that a connection a
     * middlebox forgot costs the probe a second, never a request timeout, and a slow but live API
     * seldom gets a second request.
     */
    private Duration readHedge() {
        if (writeHedge != null) {
            return writeHedge;
        }
        long fourRoundTrips = 4 * srttNanos;
        return Duration.ofNanos(Math.min(requestTimeout.toNanos(), Math.max(MAX_HEDGE.toNanos(), fourRoundTrips)));
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run(ExecutionContext<T> context) throws ExoscaleException;
    }

    /** Runs {@code attempt} under {@code executor}'s policies, unwrapping what Failsafe wraps. */
    private static <R, T extends R> T runFailsafe(String what, FailsafeExecutor<R> executor, Attempt<T> attempt)
            throws ExoscaleException {
        try {
            return executor.<T>get(attempt::run);
        } catch (FailsafeException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ExoscaleException) {
                throw (ExoscaleException) cause;
            }
            if (cause instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new ExoscaleException(what, "interrupted", false, cause);
            }
            throw new ExoscaleException(what, String.valueOf(cause), false, cause);
        }
    }

    /** The schedule's retries, all within {@code maxElapsed} (the schedule's own, or what a step has left). */
    private static RetryPolicy<Object> retryPolicy(RetrySchedule schedule, Duration maxElapsed) {
        RetryPolicyBuilder<Object> policy = RetryPolicy.builder()
                .handleIf(failure -> failure instanceof ExoscaleException && ((ExoscaleException) failure).retryable())
                .withMaxAttempts(schedule.maxAttempts())
                .withBackoff(schedule.firstDelay(), schedule.maxDelay())
                .withMaxDuration(maxElapsed)
                // A negative answer makes Failsafe use the back-off delay instead.
                .withDelayFn(context -> retryAfterDelay(context.getLastException(), schedule))
                .onRetryScheduled(event -> LOG.debug("{}; retry {} in {} ms",
                        event.getLastException() == null ? "failed" : event.getLastException().getMessage(),
                        event.getAttemptCount(), event.getDelay().toMillis()));
        if (schedule.jitter() > 0) {
            policy.withJitter(schedule.jitter());
        }
        return policy.build();
    }

    /**
     * The server's Retry-After, capped; stretched so that Failsafe's jitter (which spreads this
     * delay too) never brings it below what the server asked.
     */
    static Duration retryAfterDelay(Throwable last, RetrySchedule schedule) {
        if (!(last instanceof ExoscaleException)) {
            return Duration.ofMillis(-1);
        }
        return ((ExoscaleException) last).retryAfter()
                .map(asked -> asked.compareTo(schedule.maxRetryAfter()) > 0 ? schedule.maxRetryAfter() : asked)
                .map(honoured -> Duration.ofNanos((long) (honoured.toNanos() / (1 - schedule.jitter()))))
                .orElse(Duration.ofMillis(-1));
    }

    /** The ExoscaleException for a failed generated-client call: HTTP answer or network trouble. */
    ExoscaleException failure(String what, ApiException e, Duration timeout) {
        int status = e.getCode();
        Throwable cause = e.getCause();
        if (status > 0 && cause == null) {
            String message = redact(ErrorBody.message(e.getResponseBody()));
            if (status == 401 || status == 403) {
                message = message.isEmpty() ? CREDENTIALS_HINT : message + " " + CREDENTIALS_HINT;
            }
            if (status == 404 && !endpoint.getPath().endsWith("/v2")) {
                message = (message.isEmpty() ? "" : message + " ") + V2_HINT;
            }
            boolean retryable = status == 429 || status >= 500;
            Duration retryAfter = retryable ? retryAfter(e.getResponseHeaders()) : null;
            return new ExoscaleException(what, status, message, retryable, retryAfter, null);
        }
        if (cause instanceof InterruptedException) {
            return new ExoscaleException(what, "interrupted", false, cause);
        }
        if (cause instanceof JsonProcessingException) {
            // A 200 whose body is not the JSON we expect: retrying will not change it.
            String[] answer = LAST_ANSWER.get();
            String type = answer == null ? "" : answer[1].split(";")[0].strip().toLowerCase(Locale.ROOT);
            if (!type.isEmpty() && !type.equals("application/json") && !type.endsWith("+json")) {
                return new ExoscaleException(what, "got " + type + " (status " + answer[0] + ") from "
                        + endpoint.getHost() + (endpoint.getPort() == -1 ? "" : ":" + endpoint.getPort())
                        + " where JSON was expected (is " + endpoint + " the API's base URL?)", false, cause);
            }
            String detail = ((JsonProcessingException) cause).getOriginalMessage();
            return new ExoscaleException(what, "the answer is not the expected JSON: "
                    + redact(ErrorBody.shorten(String.valueOf(detail).replaceAll("\\s+", " "))), false, cause);
        }
        if (cause instanceof IOException && NetworkFailure.certificate(cause)) {
            // Not a passing fault: every try would meet the same certificate.
            return new ExoscaleException(what, redact(NetworkFailure.describe(cause, endpoint, true, connectTimeout,
                    timeout)) + " " + TRUST_HINT, false, cause);
        }
        if (cause instanceof IOException) {
            return new ExoscaleException(what, redact(NetworkFailure.describe(cause, endpoint, true, connectTimeout,
                    timeout)), true, cause);
        }
        return new ExoscaleException(what, redact(String.valueOf(e.getMessage())), false, e);
    }

    /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
    Duration retryAfter(HttpHeaders headers) {
        if (headers == null) {
            return null;
        }
        String value = headers.firstValue("Retry-After").map(String::strip).orElse("");
        if (value.isEmpty()) {
            return null;
        }
        if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                return Duration.ofSeconds(Long.parseLong(value));
            } catch (NumberFormatException e) {
                return null; // more digits than a long: nonsense, use the back-off
            }
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration until = Duration.between(clock.instant(), at.toInstant());
            return until.isNegative() ? Duration.ZERO : until;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** Belt and braces: no server text we pass on may carry the secret. */
    private String redact(String text) {
        return text == null ? "" : text.replace(apiSecret, "***");
    }

    private String describe(UUID elasticIp) {
        for (Map.Entry<Inet4Address, UUID> known : elasticIpIds.entrySet()) {
            if (known.getValue().equals(elasticIp)) {
                return known.getKey().getHostAddress() + " (" + elasticIp + ")";
            }
        }
        return String.valueOf(elasticIp);
    }

    private static Set<UUID> ids(Collection<ResourceRef> refs) {
        return nullToEmpty(refs).stream()
                .map(ResourceRef::getId)
                .filter(Objects::nonNull)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static <T> Collection<T> nullToEmpty(Collection<T> items) {
        return items == null ? List.of() : items;
    }

    private static <T> List<T> nullToEmpty(List<T> items) {
        return items == null ? List.of() : items;
    }

    @Override
    public String toString() {
        return "ExoscaleClient[" + endpoint + ", key=" + apiKey + "]";
    }

    /** Settings of an {@link ExoscaleClient}; every one but endpoint, key and secret has a default. */
    public static final class Builder {

        private URI endpoint;
        private String apiKey;
        private String apiSecret;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(15);
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private LongSupplier ticker = System::nanoTime;
        private EndpointAddresses.Resolver resolver = InetAddress::getAllByName;
        private Duration dnsRefresh = Duration.ofSeconds(30);
        private boolean raceWrites = true;
        private Duration writeHedge;
        private RetrySchedule retrySchedule = RetrySchedule.DEFAULT;
        private PollSchedule pollSchedule = PollSchedule.DEFAULT;
        private Clock clock = Clock.systemUTC();
        private javax.net.ssl.SSLContext trust;

        private Builder() {
        }

        /**
         * The TLS context whose trusted CAs replace the JDK's default trust store, e.g. {@link
         * TrustedCertificates#sslContext}; default: the JDK's.
         */
        public Builder trust(javax.net.ssl.SSLContext trust) {
            this.trust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** The base URL including {@code /v2}, e.g. {@code https://api-ch-gva-2.exoscale.com/v2}. */
        public Builder endpoint(URI endpoint) {
            this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** Shorthand for {@code endpoint(endpointOf(zone))}. */
        public Builder zone(String zone) {
            return endpoint(endpointOf(zone));
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder apiSecret(String apiSecret) {
            this.apiSecret = apiSecret;
            return this;
        }

        /** How long to wait for a TCP (and TLS) connection; default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = positive(connectTimeout, "connect timeout");
            return this;
        }

        /** How long to wait for one request's answer; default 15 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = positive(requestTimeout, "request timeout");
            return this;
        }

        /**
         * A connection whose last answer is older than this is not used again; default {@value
         * #DEFAULT_IDLE_TIMEOUT_SECONDS} s, below the idle timeouts of common NATs, firewalls and load
         * balancers.
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = positive(idleTimeout, "idle timeout");
            return this;
        }

        /** Monotonic time for the idle timeout; tests move it by hand. */
        Builder ticker(LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** How the endpoint's host name is resolved (in the background); tests give a fake. */
        Builder resolver(EndpointAddresses.Resolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * How long an attach or detach waits for an answer on the pooled connection before the
         * same request goes out on a new connection as well. Default: no wait for an attach (a
         * failover waits on it: both go out at once), two smoothed round trips of this client's
         * requests (20 ms to 1 s) for a detach. Tests that count requests give a long one.
         */
        public Builder writeHedge(Duration writeHedge) {
            Objects.requireNonNull(writeHedge, "writeHedge");
            if (writeHedge.isNegative()) {
                throw new IllegalArgumentException("write hedge must not be negative, got " + writeHedge);
            }
            this.writeHedge = writeHedge;
            return this;
        }

        /** Whether writes may go out on a second connection (default); scripted tests turn it off. */
        Builder raceWrites(boolean raceWrites) {
            this.raceWrites = raceWrites;
            return this;
        }

        /** How often the endpoint's host name is resolved again; default 30 s. */
        Builder dnsRefresh(Duration dnsRefresh) {
            this.dnsRefresh = positive(dnsRefresh, "name refresh period");
            return this;
        }

        /** Retries of calls that failed for a passing reason; default {@link RetrySchedule#DEFAULT}. */
        public Builder retrySchedule(RetrySchedule retrySchedule) {
            this.retrySchedule = Objects.requireNonNull(retrySchedule, "retrySchedule");
            return this;
        }

        /** Polling of attach/detach operations; default {@link PollSchedule#DEFAULT}. */
        public Builder pollSchedule(PollSchedule pollSchedule) {
            this.pollSchedule = Objects.requireNonNull(pollSchedule, "pollSchedule");
            return this;
        }

        /** Wall clock for signature expiry (and Retry-After dates); tests move it to simulate skew. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The client; refuses a missing endpoint, key or secret, an endpoint that is not http(s),
         * or (without {@link #trust}) a JDK trust store that does not exist or does not load.
         */
        public ExoscaleClient build() {
            if (endpoint == null) {
                throw new IllegalStateException("Exoscale API endpoint (or zone) is not set");
            }
            String scheme = endpoint.getScheme();
            if (!("https".equals(scheme) || "http".equals(scheme)) || endpoint.getHost() == null) {
                throw new IllegalStateException("Exoscale API endpoint must be an http(s) URL, got " + endpoint);
            }
            String text = endpoint.toString();
            if (text.endsWith("/")) {
                endpoint = URI.create(text.substring(0, text.length() - 1));
            }
            if (apiKey == null || apiKey.isBlank()) {
                throw new IllegalStateException("Exoscale API key is not set");
            }
            if (apiSecret == null || apiSecret.isBlank()) {
                throw new IllegalStateException("Exoscale API secret is not set");
            }
            return new ExoscaleClient(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}

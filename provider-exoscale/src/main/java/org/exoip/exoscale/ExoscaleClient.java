package org.exoip.exoscale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.failsafe.ExecutionContext;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.exoscale.generated.ApiClient;
import org.exoip.exoscale.generated.ApiException;
import org.exoip.exoscale.generated.api.ElasticIpApi;
import org.exoip.exoscale.generated.api.InstanceApi;
import org.exoip.exoscale.generated.api.OperationApi;
import org.exoip.exoscale.generated.api.SecurityGroupApi;
import org.exoip.exoscale.generated.model.ElasticIp;
import org.exoip.exoscale.generated.model.ElasticIpList;
import org.exoip.exoscale.generated.model.InstanceList;
import org.exoip.exoscale.generated.model.InstanceListItem;
import org.exoip.exoscale.generated.model.InstanceTarget;
import org.exoip.exoscale.generated.model.Operation;
import org.exoip.exoscale.generated.model.OperationReason;
import org.exoip.exoscale.generated.model.OperationState;
import org.exoip.exoscale.generated.model.ResourceRef;
import org.exoip.exoscale.generated.model.SecurityGroup;
import org.exoip.exoscale.generated.model.SecurityGroupList;

/**
 * The calls exoip makes to the Exoscale API v2, on top of the client generated from
 * {@code src/main/openapi/exoscale-v2.yaml}: find an Elastic IP, see who holds it, move it, and
 * list a security group's members.
 *
 * <p>Every request is signed ({@code EXO2-HMAC-SHA256}, valid 600 s from the injected clock), has
 * a connect and a request timeout, and is retried per the {@link RetrySchedule} when it failed for
 * a passing reason (429, 5xx, timeout, lost connection); other answers fail at once. Every failure
 * is an {@link ExoscaleException} that names the call and never holds the API secret.
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

    private final URI endpoint;
    private final String apiKey;
    private volatile String apiSecret;
    private final SigningInterceptor signing;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Clock clock;
    private final PollSchedule pollSchedule;
    private final RetryPolicy<Object> retryPolicy;
    private final ElasticIpApi elasticIps;
    private final InstanceApi instances;
    private final SecurityGroupApi securityGroups;
    private final OperationApi operations;
    /** Elastic IP ids never change, so one lookup per address is enough (until a 404 says otherwise). */
    private final ConcurrentMap<Inet4Address, UUID> elasticIpIds = new ConcurrentHashMap<>();

    private static final String TRUST_HINT = "(to trust a private CA, give its PEM file with --api-ca-file or "
            + "IF_EXOSCALE_API_CA_FILE)";

    private ExoscaleClient(Builder b) {
        this.endpoint = b.endpoint;
        this.apiKey = b.apiKey;
        this.apiSecret = b.apiSecret;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.clock = b.clock;
        this.pollSchedule = b.pollSchedule;
        this.retryPolicy = retryPolicy(b.retrySchedule);

        // HTTP/1.1: a handful of requests need no multiplexing, and a plain-HTTP endpoint (a
        // stand-in, a proxy) then gets no h2c upgrade attempt.
        HttpClient.Builder httpBuilder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout);
        httpBuilder.sslContext(b.trust != null ? b.trust : TrustedCertificates.jdkDefault());
        HttpClient http = httpBuilder.build();
        ApiClient api = new ApiClient(HttpClient.newBuilder(), objectMapper(), endpoint.toString()) {
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
        this.signing = new SigningInterceptor(new RequestSigner(apiKey, apiSecret), clock);
        api.setRequestInterceptor(signing);
        this.elasticIps = new ElasticIpApi(api);
        this.instances = new InstanceApi(api);
        this.securityGroups = new SecurityGroupApi(api);
        this.operations = new OperationApi(api);
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
     * The ObjectMapper the generated client uses. Unknown fields are ignored and unknown enum
     * values become {@code UNKNOWN_DEFAULT_OPEN_API} (generator option), since the API adds both.
     */
    static ObjectMapper objectMapper() {
        return ApiClient.createDefaultObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
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
        List<ElasticIp> all = call(what, () -> elasticIps.listElasticIps().getElasticIps());
        List<UUID> matches = nullToEmpty(all).stream()
                .filter(eip -> ip.getHostAddress().equals(eip.getIp()) && eip.getId() != null)
                .map(ElasticIp::getId)
                .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new ExoscaleException(what, "no Elastic IP has this address at " + endpoint
                    + " (Elastic IPs are zone-local: is this the right zone?)", false, null);
        }
        if (matches.size() > 1) {
            throw new ExoscaleException(what, matches.size() + " Elastic IPs have this address: " + matches,
                    false, null);
        }
        elasticIpIds.put(ip, matches.get(0));
        return matches.get(0);
    }

    /** The instances {@code GET /instance?ip-address=<ip>} says the address is attached to. */
    public Set<UUID> instancesHolding(Inet4Address ip) throws ExoscaleException {
        Objects.requireNonNull(ip, "ip");
        List<InstanceListItem> items = call("list the instances holding " + ip.getHostAddress(),
                () -> instances.listInstances(null, null, ip.getHostAddress(), null).getInstances());
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
        org.exoip.exoscale.generated.model.Instance got = call(what, () -> instances.getInstance(instance));
        if (got == null) {
            throw new ExoscaleException(what, "the answer was empty", true, null);
        }
        return got;
    }

    /** Attaches the Elastic IP to {@code instance} and waits until the operation has succeeded. */
    public void attach(UUID elasticIp, UUID instance) throws ExoscaleException {
        String what = "attach Elastic IP " + describe(elasticIp) + " to instance " + instance;
        InstanceTarget body = target(instance);
        Operation started = write(what, elasticIp, () -> elasticIps.attachInstanceToElasticIp(elasticIp, body));
        await(what, started);
    }

    /** Detaches the Elastic IP from {@code instance} and waits until the operation has succeeded. */
    public void detach(UUID elasticIp, UUID instance) throws ExoscaleException {
        String what = "detach Elastic IP " + describe(elasticIp) + " from instance " + instance;
        InstanceTarget body = target(instance);
        Operation started = write(what, elasticIp, () -> elasticIps.detachInstanceFromElasticIp(elasticIp, body));
        await(what, started);
    }

    private static InstanceTarget target(UUID instance) {
        Objects.requireNonNull(instance, "instance");
        return new InstanceTarget().instance(new ResourceRef().id(instance));
    }

    private Operation write(String what, UUID elasticIp, ApiCall<Operation> put) throws ExoscaleException {
        Objects.requireNonNull(elasticIp, "elasticIp");
        try {
            return call(what, put);
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
        List<SecurityGroup> groups = call(what, () -> securityGroups.listSecurityGroups(null).getSecurityGroups());
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
        List<InstanceListItem> items = call(what, () -> instances.listInstances(null, null, null, null).getInstances());
        List<Instance> members = new ArrayList<>();
        for (InstanceListItem item : nullToEmpty(items)) {
            Set<UUID> itemGroups = ids(item.getSecurityGroups());
            if (item.getId() != null && itemGroups.contains(group)) {
                members.add(new Instance(item.getId(), item.getName(), Ipv4.parse(item.getPublicIp()), itemGroups));
            }
        }
        return members;
    }

    // ---- operations -------------------------------------------------------------------------

    /** Polls the operation until it is no longer pending, then throws unless it succeeded. */
    private void await(String what, Operation started) throws ExoscaleException {
        if (started == null) {
            throw new ExoscaleException(what, "the answer held no operation", false, null);
        }
        Operation last = started;
        if (stillRunning(started)) {
            UUID id = started.getId();
            if (id == null) {
                throw new ExoscaleException(what, "the operation has no id to poll", false, null);
            }
            // The first "attempt" hands back the operation we already have, so that Failsafe
            // waits firstDelay before the first GET: an attach never completes instantly.
            last = runFailsafe(what, Failsafe.with(pollPolicy()), ctx -> ctx.isFirstAttempt()
                    ? started
                    : call(what + ": poll operation " + id, () -> operations.getOperation(id)));
        }
        OperationState state = last.getState();
        if (state == OperationState.SUCCESS) {
            return;
        }
        String operation = "operation " + (last.getId() == null ? "" : last.getId() + " ");
        if (stillRunning(last)) {
            throw new ExoscaleException(what, operation + "still " + describe(state) + " after "
                    + pollSchedule.deadline().toMillis() + " ms", true, null);
        }
        OperationReason reason = last.getReason();
        String message = last.getMessage() == null || last.getMessage().isBlank() ? "" : ": " + last.getMessage();
        throw new ExoscaleException(what,
                operation + describe(state) + " (reason " + describe(reason) + ")" + redact(message),
                retryable(state, reason), null);
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

    private RetryPolicy<Operation> pollPolicy() {
        RetryPolicyBuilder<Operation> poll = RetryPolicy.<Operation>builder()
                .handleResultIf(ExoscaleClient::stillRunning)
                // A failed GET has already been retried by call(): it ends the wait.
                .abortOn(Throwable.class)
                .withMaxRetries(-1)
                .withMaxDuration(pollSchedule.deadline());
        if (pollSchedule.firstDelay().equals(pollSchedule.maxDelay())) {
            poll.withDelay(pollSchedule.firstDelay());
        } else {
            poll.withBackoff(pollSchedule.firstDelay(), pollSchedule.maxDelay());
        }
        return poll.build();
    }

    // ---- calls, retries and errors ----------------------------------------------------------

    /** One generated-client call. */
    @FunctionalInterface
    private interface ApiCall<T> {
        T run() throws ApiException;
    }

    /**
     * Runs {@code apiCall} with the retry policy; every failure leaves as an ExoscaleException.
     * Failsafe rather than a loop of our own: back-off, jitter, the attempt and time bounds and
     * Retry-After are its well-tested options, and the same library polls operations.
     */
    private <T> T call(String what, ApiCall<T> apiCall) throws ExoscaleException {
        return runFailsafe(what, Failsafe.with(retryPolicy), ctx -> {
            try {
                return apiCall.run();
            } catch (ApiException e) {
                throw failure(what, e);
            } catch (RuntimeException e) {
                // E.g. the signing interceptor could not read the body: a bug, not a passing fault.
                throw new ExoscaleException(what, redact(String.valueOf(e.getMessage())), false, e);
            }
        });
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

    private RetryPolicy<Object> retryPolicy(RetrySchedule schedule) {
        RetryPolicyBuilder<Object> policy = RetryPolicy.builder()
                .handleIf(failure -> failure instanceof ExoscaleException && ((ExoscaleException) failure).retryable())
                .withMaxAttempts(schedule.maxAttempts())
                .withBackoff(schedule.firstDelay(), schedule.maxDelay())
                .withMaxDuration(schedule.maxElapsed())
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
    ExoscaleException failure(String what, ApiException e) {
        int status = e.getCode();
        Throwable cause = e.getCause();
        if (status > 0 && cause == null) {
            String message = redact(ErrorBody.message(e.getResponseBody()));
            if (status == 401 || status == 403) {
                message = message.isEmpty() ? CREDENTIALS_HINT : message + " " + CREDENTIALS_HINT;
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
            String detail = ((JsonProcessingException) cause).getOriginalMessage();
            return new ExoscaleException(what, "the answer is not the expected JSON: "
                    + redact(ErrorBody.shorten(String.valueOf(detail).replaceAll("\\s+", " "))), false, cause);
        }
        if (cause instanceof IOException && NetworkFailure.certificate(cause)) {
            // Not a passing fault: every try would meet the same certificate.
            return new ExoscaleException(what, redact(NetworkFailure.describe(cause, endpoint, true, connectTimeout,
                    requestTimeout)) + " " + TRUST_HINT, false, cause);
        }
        if (cause instanceof IOException) {
            return new ExoscaleException(what, redact(NetworkFailure.describe(cause, endpoint, true, connectTimeout,
                    requestTimeout)), true, cause);
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

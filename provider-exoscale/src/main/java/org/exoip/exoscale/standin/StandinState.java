package org.exoip.exoscale.standin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.exoip.exoscale.ExoscaleClient;

/**
 * The world the stand-in API shows: credentials, Elastic IPs, instances, security groups, instance pools, who
 * holds which Elastic IP, operations, and the record of every attachment change.
 *
 * <p>Thread-safe: every method may be called from any thread; request threads, the operation
 * timer and tests share one instance. Methods do not block, except {@link #awaitHolders}.
 * Ids not given are derived from the name or address (name-based UUIDs), so the same
 * configuration always yields the same ids.
 *
 * <p>Operations (attach, detach) complete {@link #operationDelay()} after they were requested,
 * measured on the {@link StandinClock}; every read settles the operations that are due first, so
 * with an injected clock a test moves time and then reads, without sleeping.
 */
public final class StandinState {

    /** The zone the metadata server names unless told otherwise. */
    public static final String DEFAULT_ZONE = "ch-gva-2";

    /** Operation command names, as {@code reference.command} shows them. */
    static final String ATTACH_COMMAND = "attach-instance-to-elastic-ip";
    static final String DETACH_COMMAND = "detach-instance-from-elastic-ip";
    static final String UPDATE_COMMAND = "update-elastic-ip";

    private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
            + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** An Elastic IP as the API shows it. */
    public record ElasticIp(String id, String ip, String addressFamily, String description,
            Map<String, String> labels) {
        public ElasticIp {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(ip, "ip");
            Objects.requireNonNull(addressFamily, "addressFamily");
            description = description == null ? "" : description;
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    /**
     * A snapshot of an instance.
     *
     * @param publicIp         its public IPv4 address, or {@code null} for a private instance
     * @param securityGroupIds ids of the security groups it is a member of
     * @param elasticIpIds     ids of the Elastic IPs it holds at the time of the snapshot
     * @param labels           its labels
     * @param state            its state, one of {@link #INSTANCE_STATES}
     * @param poolId           the id of the instance pool that manages it, or {@code null}
     * @param privateNetworkIds ids of the private networks that lease it an address
     */
    public record Instance(String id, String name, String publicIp, List<String> securityGroupIds,
            List<String> elasticIpIds, Map<String, String> labels, String state, String poolId,
            List<String> privateNetworkIds) {
        public Instance {
            securityGroupIds = List.copyOf(securityGroupIds);
            elasticIpIds = List.copyOf(elasticIpIds);
            labels = Map.copyOf(labels);
            privateNetworkIds = List.copyOf(privateNetworkIds);
        }
    }

    /**
     * A managed private network: its DHCP server leases addresses between {@code startIp} and
     * {@code endIp} to the instances attached to it.
     *
     * @param leases instance id to the IPv4 address leased to it, in the order leased
     */
    public record PrivateNetwork(String id, String name, String description, String startIp, String endIp,
            String netmask, Map<String, String> leases) {
        public PrivateNetwork {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            description = description == null ? "" : description;
            leases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(leases));
        }
    }

    /** The instance states of the official description ({@code instance-state}). */
    public static final List<String> INSTANCE_STATES = List.of("destroyed", "destroying", "error", "expunging",
            "migrating", "running", "starting", "stopped", "stopping");

    /**
     * An instance pool; its members are the instances that name it as their manager, as in the
     * real API. The stand-in shows its Elastic IPs but does not attach them to the members.
     */
    public record InstancePool(String id, String name, List<String> elasticIpIds, Map<String, String> labels) {
        public InstancePool {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            elasticIpIds = List.copyOf(elasticIpIds);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
        }
    }

    /** A security group; members are listed on the instances, as in the real API. */
    public record SecurityGroup(String id, String name, String description) {
        public SecurityGroup {
            description = description == null ? "" : description;
        }
    }

    /**
     * A snapshot of an asynchronous operation.
     *
     * @param state       {@code pending}, {@code success} or {@code failure}
     * @param reason      on failure: {@code conflict}, {@code not-found} or a fault's reason; else null
     * @param message     on failure: what went wrong; else null
     * @param elasticIpId the Elastic IP it acts on ({@code reference.id})
     * @param command     {@code reference.command}
     */
    public record Operation(String id, String state, String reason, String message, String elasticIpId,
            String command) {
        /** Whether it has not completed yet. */
        public boolean isPending() {
            return "pending".equals(state);
        }
    }

    private final StandinClock clock;
    private final Map<String, String> secrets = new HashMap<>();
    private final Map<String, ElasticIp> elasticIps = new LinkedHashMap<>();
    private final Map<String, InstanceEntry> instances = new LinkedHashMap<>();
    private final Map<String, SecurityGroup> securityGroups = new LinkedHashMap<>();
    private final Map<String, InstancePool> instancePools = new LinkedHashMap<>();
    private final Map<String, PrivateNetwork> privateNetworks = new LinkedHashMap<>();
    /** Elastic IP id to the ids of the instances holding it, in attach order. */
    private final Map<String, Set<String>> holders = new HashMap<>();
    private final Map<String, OperationEntry> operations = new HashMap<>();
    private final List<OperationEntry> pending = new ArrayList<>();
    private final List<AttachmentEvent> events = new ArrayList<>();
    private String zone = DEFAULT_ZONE;
    private Duration operationDelay = Duration.ZERO;
    /** Completes due operations on time when nobody reads; null for a state without a server. */
    private ScheduledExecutorService timer;

    /** An empty world on the given clock. */
    public StandinState(StandinClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The clock this state reads. */
    public StandinClock clock() {
        return clock;
    }

    synchronized void useTimer(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    // ---- credentials

    /** Accepts requests signed with this key and secret (replacing an earlier secret for the key). */
    public synchronized void addCredential(String apiKey, String apiSecret) {
        requireText(apiKey, "API key");
        requireText(apiSecret, "API secret");
        secrets.put(apiKey, apiSecret);
    }

    /** Stops accepting this key. */
    public synchronized void removeCredential(String apiKey) {
        secrets.remove(apiKey);
    }

    synchronized Optional<String> secretOf(String apiKey) {
        return Optional.ofNullable(secrets.get(apiKey));
    }

    // ---- settings

    /** The zone the metadata server names. */
    public synchronized String zone() {
        return zone;
    }

    /** Sets the zone the metadata server names, e.g. {@code de-fra-1}. */
    public synchronized void setZone(String zone) {
        if (zone == null || !ExoscaleClient.ZONE.matcher(zone).matches()) {
            throw new IllegalArgumentException("zone \"" + zone + "\" is not a zone name (expected e.g. ch-gva-2)");
        }
        this.zone = zone;
    }

    /** How long attach and detach operations stay pending. */
    public synchronized Duration operationDelay() {
        return operationDelay;
    }

    /** Sets how long operations requested from now on stay pending; zero completes them at once. */
    public synchronized void setOperationDelay(Duration delay) {
        if (delay == null || delay.isNegative()) {
            throw new IllegalArgumentException("operation delay is " + delay + " (expected: zero or more)");
        }
        this.operationDelay = delay;
    }

    // ---- resources

    /** Adds an IPv4 or IPv6 Elastic IP with an id derived from its address. */
    public ElasticIp addElasticIp(String ip) {
        return addElasticIp(null, ip, null, null);
    }

    /** Adds an Elastic IP; {@code id}, {@code description} and {@code labels} may be null. */
    public synchronized ElasticIp addElasticIp(String id, String ip, String description, Map<String, String> labels) {
        String family = addressFamily(ip);
        if (elasticIps.values().stream().anyMatch(e -> e.ip().equals(ip))) {
            throw new IllegalArgumentException("an Elastic IP with address " + ip + " exists already");
        }
        String actualId = id == null ? derivedId("elastic-ip", ip) : requireUuid(id);
        requireNewId(actualId, elasticIps.containsKey(actualId));
        ElasticIp eip = new ElasticIp(actualId, ip, family, description, labels);
        elasticIps.put(actualId, eip);
        holders.put(actualId, new LinkedHashSet<>());
        return eip;
    }

    /** Adds a security group with an id derived from its name. */
    public SecurityGroup addSecurityGroup(String name) {
        return addSecurityGroup(null, name, null);
    }

    /**
     * Adds a security group. Two groups may share a name only if ids are given, which lets tests
     * check that a client refuses an ambiguous name.
     */
    public synchronized SecurityGroup addSecurityGroup(String id, String name, String description) {
        requireText(name, "security group name");
        String actualId = id == null ? derivedId("security-group", name) : requireUuid(id);
        requireNewId(actualId, securityGroups.containsKey(actualId));
        SecurityGroup group = new SecurityGroup(actualId, name, description);
        securityGroups.put(actualId, group);
        return group;
    }

    /**
     * Adds a running instance with an id derived from its name, member of the named security
     * groups, which are created when missing.
     */
    public Instance addInstance(String name, String publicIp, String... securityGroupNames) {
        return addInstance(null, name, publicIp, List.of(securityGroupNames));
    }

    /**
     * Adds a running instance; {@code id} may be null, {@code publicIp} may be null (a private
     * instance, which the metadata server does not answer). Missing groups are created.
     */
    public Instance addInstance(String id, String name, String publicIp, Collection<String> securityGroupNames) {
        return addInstance(id, name, publicIp, securityGroupNames, Map.of(), null, "running");
    }

    /**
     * Adds an instance with labels, the instance pool (name or id, or null) that manages it, and
     * its state (one of {@link #INSTANCE_STATES}); see {@link #addInstance(String, String, String,
     * Collection)}.
     */
    public synchronized Instance addInstance(String id, String name, String publicIp,
            Collection<String> securityGroupNames, Map<String, String> labels, String instancePool, String state) {
        requireText(name, "instance name");
        requireState(state);
        String poolId = instancePool == null ? null : poolByIdOrName(instancePool).id();
        if (publicIp != null) {
            if (!"inet4".equals(addressFamily(publicIp))) {
                throw new IllegalArgumentException("public IP " + publicIp + " of " + name + " is not IPv4");
            }
            instances.values().stream().filter(i -> publicIp.equals(i.publicIp)).findAny().ifPresent(i -> {
                throw new IllegalArgumentException("public IP " + publicIp + " is already used by instance " + i.name);
            });
        }
        String actualId = id == null ? derivedId("instance", name) : requireUuid(id);
        requireNewId(actualId, instances.containsKey(actualId));
        List<String> groupIds = new ArrayList<>();
        for (String groupName : securityGroupNames) {
            groupIds.add(groupNamed(groupName, true).id());
        }
        InstanceEntry entry = new InstanceEntry(actualId, name, publicIp);
        entry.groupIds.addAll(groupIds);
        entry.labels.putAll(labels == null ? Map.of() : labels);
        entry.state = state;
        entry.poolId = poolId;
        instances.put(actualId, entry);
        return entry.snapshot();
    }

    /**
     * Removes an instance as if it were destroyed: it leaves every group and stops holding its
     * Elastic IPs (recorded as detach events).
     */
    public synchronized void removeInstance(String instanceIdOrName) {
        settle();
        InstanceEntry entry = instanceEntry(instanceIdOrName);
        for (Map.Entry<String, Set<String>> held : holders.entrySet()) {
            if (held.getValue().contains(entry.id)) {
                change(AttachmentEvent.Kind.DETACH, held.getKey(), entry.id, clock.now(), clock.nanos());
            }
        }
        instances.remove(entry.id);
        privateNetworks.replaceAll((id, net) -> withLease(net, entry.id, null));
        notifyAll();
    }

    /** Makes an instance (id or name) a member of a security group (name, or id). */
    public synchronized void addMember(String securityGroup, String instanceIdOrName) {
        instanceEntry(instanceIdOrName).groupIds.add(groupByIdOrName(securityGroup).id());
    }

    /** Takes an instance (id or name) out of a security group (name, or id); no-op if not a member. */
    public synchronized void removeMember(String securityGroup, String instanceIdOrName) {
        instanceEntry(instanceIdOrName).groupIds.remove(groupByIdOrName(securityGroup).id());
    }

    /**
     * Adds an instance pool with an id derived from its name unless given; {@code elasticIps}
     * (ids or addresses of Elastic IPs that exist) and {@code labels} may be null.
     */
    public synchronized InstancePool addInstancePool(String id, String name, Collection<String> elasticIps,
            Map<String, String> labels) {
        requireText(name, "instance pool name");
        String actualId = id == null ? derivedId("instance-pool", name) : requireUuid(id);
        requireNewId(actualId, instancePools.containsKey(actualId));
        List<String> eipIds = new ArrayList<>();
        for (String eip : elasticIps == null ? List.<String>of() : elasticIps) {
            eipIds.add(findElasticIp(eip).orElseThrow(() -> new NoSuchElementException("no Elastic IP " + eip)).id());
        }
        InstancePool pool = new InstancePool(actualId, name, eipIds, labels);
        instancePools.put(actualId, pool);
        return pool;
    }

    /**
     * Puts an instance (id or name) in an instance pool (name or id), or with {@code null} takes
     * it out of any, as a pool's scaling does.
     */
    public synchronized void setInstancePool(String instanceIdOrName, String instancePool) {
        InstanceEntry entry = instanceEntry(instanceIdOrName);
        entry.poolId = instancePool == null ? null : poolByIdOrName(instancePool).id();
    }

    /** Replaces the labels of an instance (id or name). */
    public synchronized void setLabels(String instanceIdOrName, Map<String, String> labels) {
        InstanceEntry entry = instanceEntry(instanceIdOrName);
        Map<String, String> copy = Map.copyOf(labels);
        entry.labels.clear();
        entry.labels.putAll(copy);
    }

    /** Sets the state of an instance (id or name): one of {@link #INSTANCE_STATES}. */
    public synchronized void setState(String instanceIdOrName, String state) {
        requireState(state);
        instanceEntry(instanceIdOrName).state = state;
    }

    /** Every instance pool, in the order added. */
    public synchronized List<InstancePool> instancePools() {
        return List.copyOf(instancePools.values());
    }

    /** The instance pool with this id. */
    public synchronized Optional<InstancePool> instancePool(String id) {
        return Optional.ofNullable(instancePools.get(id));
    }

    /** The ids of the instances an instance pool manages, in the order added. */
    public synchronized List<String> poolMembers(String poolId) {
        return instances.values().stream().filter(i -> poolId.equals(i.poolId)).map(i -> i.id).toList();
    }

    /**
     * Adds a managed private network with an id derived from its name unless given: addresses
     * from {@code startIp} to {@code endIp} (IPv4), {@code netmask} its mask, no leases yet.
     */
    public synchronized PrivateNetwork addPrivateNetwork(String id, String name, String description, String startIp,
            String endIp, String netmask) {
        requireText(name, "private network name");
        for (String[] address : new String[][] {{startIp, "start-ip"}, {endIp, "end-ip"}, {netmask, "netmask"}}) {
            if (address[0] == null || !"inet4".equals(addressFamily(address[0]))) {
                throw new IllegalArgumentException(address[1] + " \"" + address[0] + "\" of private network " + name
                        + " is not an IPv4 address (a managed network leases IPv4 addresses)");
            }
        }
        if (Integer.compareUnsigned(ipv4Value(startIp), ipv4Value(endIp)) > 0) {
            throw new IllegalArgumentException("start-ip " + startIp + " of private network " + name
                    + " is after its end-ip " + endIp);
        }
        String actualId = id == null ? derivedId("private-network", name) : requireUuid(id);
        requireNewId(actualId, privateNetworks.containsKey(actualId));
        PrivateNetwork network = new PrivateNetwork(actualId, name, description, startIp, endIp, netmask, Map.of());
        privateNetworks.put(actualId, network);
        return network;
    }

    /**
     * Leases {@code ip} on a private network (name or id) to an instance (id or name), replacing
     * the instance's lease there, as {@code :attach} with a static {@code ip} or {@code :update-ip}
     * would. The address must lie between the network's start and end and be free.
     */
    public synchronized PrivateNetwork setLease(String network, String instanceIdOrName, String ip) {
        PrivateNetwork net = networkByIdOrName(network);
        InstanceEntry entry = instanceEntry(instanceIdOrName);
        if (ip == null || !"inet4".equals(addressFamily(ip))) {
            throw new IllegalArgumentException("lease \"" + ip + "\" is not an IPv4 address");
        }
        int value = ipv4Value(ip);
        if (Integer.compareUnsigned(value, ipv4Value(net.startIp())) < 0
                || Integer.compareUnsigned(value, ipv4Value(net.endIp())) > 0) {
            throw new IllegalArgumentException("lease " + ip + " is outside private network " + net.name() + " ("
                    + net.startIp() + " to " + net.endIp() + ")");
        }
        net.leases().forEach((holder, leased) -> {
            if (leased.equals(ip) && !holder.equals(entry.id)) {
                throw new IllegalArgumentException("lease " + ip + " on private network " + net.name()
                        + " is already leased to instance " + holder);
            }
        });
        PrivateNetwork changed = withLease(net, entry.id, ip);
        privateNetworks.put(net.id(), changed);
        return changed;
    }

    /** Ends the lease of an instance (id or name) on a private network (name or id); no-op if it has none. */
    public synchronized PrivateNetwork removeLease(String network, String instanceIdOrName) {
        PrivateNetwork net = networkByIdOrName(network);
        PrivateNetwork changed = withLease(net, instanceEntry(instanceIdOrName).id, null);
        privateNetworks.put(net.id(), changed);
        return changed;
    }

    /** Every private network, in the order added. */
    public synchronized List<PrivateNetwork> privateNetworks() {
        return List.copyOf(privateNetworks.values());
    }

    /** The private network with this id. */
    public synchronized Optional<PrivateNetwork> privateNetwork(String id) {
        return Optional.ofNullable(privateNetworks.get(id));
    }

    // ---- reads

    /** Every Elastic IP, in the order added. */
    public synchronized List<ElasticIp> elasticIps() {
        return List.copyOf(elasticIps.values());
    }

    /** The Elastic IP with this id. */
    public synchronized Optional<ElasticIp> elasticIp(String id) {
        return Optional.ofNullable(elasticIps.get(id));
    }

    /** The Elastic IP with this id, or else with this address. */
    public synchronized Optional<ElasticIp> findElasticIp(String idOrAddress) {
        ElasticIp byId = elasticIps.get(idOrAddress);
        if (byId != null) {
            return Optional.of(byId);
        }
        return elasticIps.values().stream().filter(e -> e.ip().equals(idOrAddress)).findFirst();
    }

    /** Every instance, in the order added. */
    public synchronized List<Instance> instances() {
        settle();
        return instances.values().stream().map(InstanceEntry::snapshot).toList();
    }

    /** The instance with this id. */
    public synchronized Optional<Instance> instance(String id) {
        settle();
        return Optional.ofNullable(instances.get(id)).map(InstanceEntry::snapshot);
    }

    /** The instance with this id, or else the one with this name. */
    public synchronized Optional<Instance> findInstance(String idOrName) {
        settle();
        return findInstanceEntry(idOrName).map(InstanceEntry::snapshot);
    }

    /** The instance whose public IP is this address; the metadata server uses it. */
    public synchronized Optional<Instance> instanceWithPublicIp(String address) {
        settle();
        return instances.values().stream().filter(i -> address.equals(i.publicIp)).findFirst()
                .map(InstanceEntry::snapshot);
    }

    /** Every security group, in the order added. */
    public synchronized List<SecurityGroup> securityGroups() {
        return List.copyOf(securityGroups.values());
    }

    /** The security group with this id. */
    public synchronized Optional<SecurityGroup> securityGroup(String id) {
        return Optional.ofNullable(securityGroups.get(id));
    }

    /** The operation with this id. */
    /**
     * {@code PUT /elastic-ip/{id}} with {@code labels}: replaces the Elastic IP's labels at once
     * (the API's last writer wins; there is no conditional update) and returns an operation that
     * has succeeded already.
     */
    synchronized Operation updateElasticIpLabels(String elasticIpId, Map<String, String> labels) {
        ElasticIp eip = elasticIps.get(elasticIpId);
        if (eip == null) {
            throw new NoSuchElementException("no Elastic IP " + elasticIpId);
        }
        elasticIps.put(eip.id(), new ElasticIp(eip.id(), eip.ip(), eip.addressFamily(), eip.description(), labels));
        OperationEntry op = new OperationEntry(UUID.randomUUID().toString(), null, elasticIpId, null, null,
                clock.now(), clock.nanos());
        op.state = "success";
        operations.put(op.id, op);
        return op.snapshot();
    }

    public synchronized Optional<Operation> operation(String id) {
        settle();
        return Optional.ofNullable(operations.get(id)).map(OperationEntry::snapshot);
    }

    // ---- attachments

    /** Ids of the instances holding an Elastic IP, in attach order; empty for an unknown one. */
    public synchronized Set<String> holders(String elasticIpId) {
        settle();
        return Collections.unmodifiableSet(new LinkedHashSet<>(holders.getOrDefault(elasticIpId, Set.of())));
    }

    /** Every Elastic IP id with the ids of the instances holding it. */
    public synchronized Map<String, Set<String>> allHolders() {
        settle();
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        for (String id : elasticIps.keySet()) {
            copy.put(id, Collections.unmodifiableSet(new LinkedHashSet<>(holders.get(id))));
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * Attaches at once, bypassing the API (no operation, no delay, no fault): to set up a test or
     * to play another party. Recorded as an event if it changes anything.
     *
     * @return whether the instance did not hold it before
     * @throws NoSuchElementException for an unknown Elastic IP (id or address) or instance (id or name)
     */
    public synchronized boolean attach(String elasticIp, String instance) {
        return directChange(AttachmentEvent.Kind.ATTACH, elasticIp, instance);
    }

    /**
     * Detaches at once, bypassing the API; see {@link #attach}.
     *
     * @return whether the instance held it before
     */
    public synchronized boolean detach(String elasticIp, String instance) {
        return directChange(AttachmentEvent.Kind.DETACH, elasticIp, instance);
    }

    /** Every attachment change so far, oldest first. */
    public synchronized List<AttachmentEvent> events() {
        settle();
        return List.copyOf(events);
    }

    /**
     * Waits until the holders of an Elastic IP satisfy {@code condition}, at most {@code timeout}
     * of real time (not the injected clock): for tests that run exoip against the stand-in.
     *
     * @return whether the condition became true in time
     */
    public synchronized boolean awaitHolders(String elasticIpId, Predicate<Set<String>> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.test(holders(elasticIpId))) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // Changes notify; the cap makes a changed clock (without a notification) visible too.
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
        return true;
    }

    // ---- operations, for the API handler

    /**
     * Starts an attach or detach requested through the API; the caller has checked that the
     * Elastic IP and the instance exist. With no delay it is complete on return.
     *
     * @param failure a fault that makes it end in failure, or null
     */
    synchronized Operation startOperation(AttachmentEvent.Kind kind, String elasticIpId, String instanceId,
            Fault failure) {
        settle();
        Duration delay = operationDelay;
        OperationEntry op = new OperationEntry(UUID.randomUUID().toString(), kind, elasticIpId, instanceId, failure,
                clock.now().plus(delay), clock.nanos() + delay.toNanos());
        operations.put(op.id, op);
        pending.add(op);
        if (delay.isZero()) {
            settle();
        } else if (timer != null) {
            // The timer only triggers a settle; settle itself decides by the clock what is due.
            try {
                timer.schedule(this::settle, delay.toNanos() + 1, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException serverClosed) {
                // Without a server, the next read settles it.
            }
        }
        return op.snapshot();
    }

    /** Completes every operation that is due by the clock. */
    synchronized void settle() {
        if (pending.isEmpty()) {
            return;
        }
        long now = clock.nanos();
        pending.sort(Comparator.comparingLong(op -> op.dueNanos));
        boolean changed = false;
        while (!pending.isEmpty() && pending.get(0).dueNanos - now <= 0) {
            complete(pending.remove(0));
            changed = true;
        }
        if (changed) {
            notifyAll();
        }
    }

    /** Forgets every resource, attachment, operation and event; keeps credentials. */
    synchronized void clearWorld() {
        elasticIps.clear();
        instances.clear();
        securityGroups.clear();
        instancePools.clear();
        privateNetworks.clear();
        holders.clear();
        operations.clear();
        pending.clear();
        events.clear();
        zone = DEFAULT_ZONE;
        operationDelay = Duration.ZERO;
        notifyAll();
    }

    private void complete(OperationEntry op) {
        Set<String> held = holders.get(op.elasticIpId);
        if (op.failure != null) {
            op.fail(op.failure.reason(), op.failure.message());
        } else if (held == null) {
            op.fail("not-found", "elastic IP " + op.elasticIpId + " not found");
        } else if (!instances.containsKey(op.instanceId)) {
            op.fail("not-found", "instance " + op.instanceId + " not found");
        } else if (op.kind == AttachmentEvent.Kind.ATTACH && held.contains(op.instanceId)) {
            op.fail("conflict", "instance " + op.instanceId + " is already attached to elastic IP " + op.elasticIpId);
        } else if (op.kind == AttachmentEvent.Kind.DETACH && !held.contains(op.instanceId)) {
            op.fail("conflict", "instance " + op.instanceId + " is not attached to elastic IP " + op.elasticIpId);
        } else {
            change(op.kind, op.elasticIpId, op.instanceId, op.dueAt, op.dueNanos);
            op.state = "success";
        }
    }

    private boolean directChange(AttachmentEvent.Kind kind, String elasticIp, String instance) {
        settle();
        ElasticIp eip = findElasticIp(elasticIp)
                .orElseThrow(() -> new NoSuchElementException("no Elastic IP " + elasticIp));
        InstanceEntry entry = instanceEntry(instance);
        boolean holds = holders.get(eip.id()).contains(entry.id);
        if (holds == (kind == AttachmentEvent.Kind.ATTACH)) {
            return false;
        }
        change(kind, eip.id(), entry.id, clock.now(), clock.nanos());
        notifyAll();
        return true;
    }

    private void change(AttachmentEvent.Kind kind, String elasticIpId, String instanceId, Instant at, long nanos) {
        Set<String> held = holders.get(elasticIpId);
        if (kind == AttachmentEvent.Kind.ATTACH) {
            held.add(instanceId);
        } else {
            held.remove(instanceId);
        }
        events.add(new AttachmentEvent(at, nanos, kind, instanceId, elasticIpId, held));
    }

    // ---- helpers

    private Optional<InstanceEntry> findInstanceEntry(String idOrName) {
        InstanceEntry byId = instances.get(idOrName);
        if (byId != null) {
            return Optional.of(byId);
        }
        List<InstanceEntry> named = instances.values().stream().filter(i -> i.name.equals(idOrName)).toList();
        if (named.size() > 1) {
            throw new IllegalArgumentException("several instances are named " + idOrName + "; use an id");
        }
        return named.stream().findFirst();
    }

    private InstanceEntry instanceEntry(String idOrName) {
        return findInstanceEntry(idOrName).orElseThrow(() -> new NoSuchElementException("no instance " + idOrName));
    }

    private InstancePool poolByIdOrName(String idOrName) {
        return byIdOrName(instancePools, InstancePool::name, "instance pool", idOrName);
    }

    private PrivateNetwork networkByIdOrName(String idOrName) {
        return byIdOrName(privateNetworks, PrivateNetwork::name, "private network", idOrName);
    }

    /** The item with this id, else the one with this name; several of that name are refused. */
    private static <T> T byIdOrName(Map<String, T> byId, java.util.function.Function<T, String> name, String kind,
            String idOrName) {
        T found = byId.get(idOrName);
        if (found != null) {
            return found;
        }
        List<T> named = byId.values().stream().filter(item -> name.apply(item).equals(idOrName)).toList();
        if (named.size() > 1) {
            throw new IllegalArgumentException("several " + kind + "s are named " + idOrName + "; use an id");
        }
        return named.stream().findFirst().orElseThrow(() -> new NoSuchElementException("no " + kind + " " + idOrName));
    }

    /** {@code network} with the lease of {@code instanceId} set to {@code ip}, or ended with {@code null}. */
    private static PrivateNetwork withLease(PrivateNetwork network, String instanceId, String ip) {
        Map<String, String> leases = new LinkedHashMap<>(network.leases());
        if (ip == null) {
            leases.remove(instanceId);
        } else {
            leases.put(instanceId, ip);
        }
        return new PrivateNetwork(network.id(), network.name(), network.description(), network.startIp(),
                network.endIp(), network.netmask(), leases);
    }

    /** A dotted quad as the unsigned 32-bit number it stands for. */
    private static int ipv4Value(String ip) {
        int value = 0;
        for (String part : ip.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static void requireState(String state) {
        if (!INSTANCE_STATES.contains(state)) {
            throw new IllegalArgumentException("instance state \"" + state + "\" is not one of " + INSTANCE_STATES);
        }
    }

    private SecurityGroup groupByIdOrName(String idOrName) {
        SecurityGroup byId = securityGroups.get(idOrName);
        return byId != null ? byId : groupNamed(idOrName, false);
    }

    private SecurityGroup groupNamed(String name, boolean create) {
        List<SecurityGroup> named = securityGroups.values().stream().filter(g -> g.name().equals(name)).toList();
        if (named.size() > 1) {
            throw new IllegalArgumentException("several security groups are named " + name + "; use an id");
        }
        if (named.isEmpty()) {
            if (!create) {
                throw new NoSuchElementException("no security group " + name);
            }
            return addSecurityGroup(name);
        }
        return named.get(0);
    }

    /** Same input, same id: a configuration yields the same ids on every run and after a reset. */
    private static String derivedId(String kind, String key) {
        return UUID.nameUUIDFromBytes(("exoip-standin/" + kind + "/" + key).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private static String requireUuid(String id) {
        try {
            String canonical = UUID.fromString(id).toString();
            if (canonical.equalsIgnoreCase(id)) {
                return canonical;
            }
        } catch (IllegalArgumentException e) {
            // refused below, with a message that names the id
        }
        throw new IllegalArgumentException("id \"" + id + "\" is not a UUID");
    }

    private static void requireNewId(String id, boolean exists) {
        if (exists) {
            throw new IllegalArgumentException("id " + id + " is already used (give distinct names or ids)");
        }
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is empty");
        }
    }

    /** {@code inet4} or {@code inet6}; refuses anything that is not an address literal (no DNS). */
    static String addressFamily(String ip) {
        if (ip != null && IPV4.matcher(ip).matches()) {
            return "inet4";
        }
        if (ip != null && IPV6_CHARS.matcher(ip).matches()) {
            try {
                // Only hex digits, colons and dots: parsed as a literal, never resolved by DNS.
                InetAddress.getByName(ip);
                return "inet6";
            } catch (UnknownHostException e) {
                // refused below
            }
        }
        throw new IllegalArgumentException("\"" + ip + "\" is not an IP address");
    }

    /** An instance as stored: its group memberships change; what it holds is in {@link #holders}. */
    private final class InstanceEntry {
        final String id;
        final String name;
        final String publicIp;
        final Set<String> groupIds = new LinkedHashSet<>();
        final Map<String, String> labels = new LinkedHashMap<>();
        String state = "running";
        String poolId;

        InstanceEntry(String id, String name, String publicIp) {
            this.id = id;
            this.name = name;
            this.publicIp = publicIp;
        }

        Instance snapshot() {
            List<String> held = elasticIps.keySet().stream().filter(e -> holders.get(e).contains(id)).toList();
            List<String> networks = privateNetworks.values().stream().filter(n -> n.leases().containsKey(id))
                    .map(PrivateNetwork::id).toList();
            return new Instance(id, name, publicIp, List.copyOf(groupIds), held, labels, state, poolId, networks);
        }
    }

    /** An operation as stored, completed in place by {@link #settle()}. */
    private static final class OperationEntry {
        final String id;
        final AttachmentEvent.Kind kind;
        final String elasticIpId;
        final String instanceId;
        final Fault failure;
        final Instant dueAt;
        final long dueNanos;
        String state = "pending";
        String reason;
        String message;

        OperationEntry(String id, AttachmentEvent.Kind kind, String elasticIpId, String instanceId, Fault failure,
                Instant dueAt, long dueNanos) {
            this.id = id;
            this.kind = kind;
            this.elasticIpId = elasticIpId;
            this.instanceId = instanceId;
            this.failure = failure;
            this.dueAt = dueAt;
            this.dueNanos = dueNanos;
        }

        void fail(String failureReason, String failureMessage) {
            state = "failure";
            reason = failureReason;
            message = failureMessage;
        }

        Operation snapshot() {
            return new Operation(id, state, reason, message, elasticIpId, kind == null ? UPDATE_COMMAND
                    : kind == AttachmentEvent.Kind.ATTACH ? ATTACH_COMMAND : DETACH_COMMAND);
        }
    }
}

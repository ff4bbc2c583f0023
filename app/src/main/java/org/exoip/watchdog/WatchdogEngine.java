package org.exoip.watchdog;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.exoip.cloud.Backoff;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ElasticIpProviders;
import org.exoip.cloud.PeerSource;
import org.exoip.cloud.TimedElasticIpProvider;
import org.exoip.health.HealthVerdict;
import org.exoip.health.NodeHealth;
import org.exoip.logging.NodeThreadFactory;
import org.exoip.logging.RateLimitedLog;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertEncoder;
import org.exoip.protocol.AdvertKeys;
import org.exoip.protocol.AdvertReceived;
import org.exoip.protocol.AuthenticatedAdvertCodec;
import org.exoip.protocol.AuthenticatedAdvertEncoder;
import org.exoip.protocol.DatagramDecoder;
import org.exoip.protocol.DatagramRejected;
import org.exoip.protocol.ElasticIpSet;
import org.exoip.protocol.Inbound;
import org.exoip.protocol.HandoverGate;
import org.exoip.protocol.HandoverReply;
import org.exoip.protocol.HandoverRequested;
import org.exoip.protocol.InfoRequested;
import org.exoip.protocol.OutboundAdvert;
import org.exoip.protocol.RejectReason;
import org.exoip.protocol.ReplayGuard;
import org.exoip.protocol.RejectionCounters;

/**
 * A running watchdog node: the UDP socket and the peers' own sockets, the peer list (refreshed on
 * a thread of its own), decoding, the adverts, signals and {@code info}, on one Netty event loop;
 * and, for each Elastic IP it keeps, an {@link ElasticIpElection}: that address's election,
 * liveness and cloud reconciler. The elections share the socket, the peers and the API client and
 * nothing else: what happens for one Elastic IP is in {@link ElasticIpElection}.
 *
 * <p>Concurrency contract: the elections and their {@link Watchdog}s are touched only on the event
 * loop. Public methods may be called from any thread (signal handlers among them): they hand their
 * work to the event loop and never block it. Cloud calls never run on the event loop.
 */
public final class WatchdogEngine {

    private static final Logger LOG = LogManager.getLogger(WatchdogEngine.class);
    /** At most this many {@code info} answers a second, so the port cannot be used to amplify traffic. */
    public static final int INFO_REPLIES_PER_SECOND = 20;
    /** How long a stopping master waits for a successor beyond the dead timeout. */
    private static final Duration HANDOVER_GRACE = Duration.ofSeconds(5);
    /** The gap between two copies of a master's advert (see {@link EngineSettings#advertCopies()}). */
    private static final Duration COPY_SPACING = Duration.ofMillis(10);
    /** How soon after a peer's first refusal the probe goes out: a few milliseconds, like a copy. */
    private static final Duration PROBE_DELAY = Duration.ofMillis(5);

    private final EngineSettings settings;
    /** One election per Elastic IP kept, in the order given; the first is the node's own address. */
    private final List<ElasticIpElection> elections;
    private final Map<Inet4Address, ElasticIpElection> byAddress;
    /** The first election: its peers are the node's, its role and priority those reported for one address. */
    private final ElasticIpElection primary;
    private final ElasticIpSet kept;
    /** Keeps the way to the cloud proven, through the first address; null when {@code keepWarm} is zero. */
    private final CloudProbe probe;
    private final TimedElasticIpProvider probeCloud;
    private final PeerSource peerSource;
    private final EventLoopGroup group;
    private final EventLoop loop;
    private final ScheduledExecutorService peerRefresher;
    private final RejectionCounters rejections = new RejectionCounters();
    private final RateLimitedLog noisy;
    private final CompletableFuture<Integer> terminated = new CompletableFuture<>();
    private final AtomicLong advertsSent = new AtomicLong();
    private final AtomicLong advertsReceived = new AtomicLong();
    private final String node;
    /** The health checks and the track file (NodeHealth.NONE without them). */
    private final NodeHealth health;

    private volatile Set<UUID> knownInstances;
    private Channel channel;
    /** Each peer's own receive socket, so that a flood cannot crowd its adverts out; event loop only. */
    private PeerReceivers peerReceivers;
    /** Whether the peers were listed once already (event loop only). */
    private boolean peersListed;
    /** The senders' last counters, shared by the decoders of every socket (authenticated adverts). */
    private final ReplayGuard replayGuard = new ReplayGuard();
    private Instant lastAdvertWall;
    /** Gaps of this node's own between two turns of the event loop (event loop only). */
    private final StallGuard stalls;
    private volatile long stallCount;
    /** The last stall: its length and when it ended (monotonic), for info and metrics; null before any. */
    private volatile StallGuard.Stall lastStall;
    private volatile long lastAdvertNanos;
    private volatile boolean advertised;
    private final List<Consumer<Watchdog.Transition>> transitionListeners = new CopyOnWriteArrayList<>();
    private long infoWindowStart;
    private int infoRepliesInWindow;
    private int peerRefreshFailures;
    /** The next peer refresh, so that a reload can bring it forward (peer refresher thread only). */
    private ScheduledFuture<?> nextPeerRefresh;
    /**
     * Peers whose host refused one of our adverts (ICMP port unreachable), with when; a second
     * refusal within an interval with no advert from them between counts them dead (event loop only).
     */
    private final Map<InetAddress, Long> refusedOnce = new HashMap<>();
    /** The nodes known per address when the homes were last dealt out ({@code --spread}; event loop only). */
    private Map<Inet4Address, Set<UUID>> placedFor;
    /** The advert keys in use: the configured ones, or those a reload read since (event loop only). */
    private Optional<AdvertKeys> advertKeys;
    /** Which source addresses are this node's own (an unsigned hand-over request comes only from them). */
    private final Predicate<InetAddress> ownAddress;
    /** Operators' hand-overs ({@code exoip handover}): the holds and the watches (event loop only). */
    private final PlannedHandover planned;

    private WatchdogEngine(EngineSettings settings, ElasticIpProviders providers, PeerSource peerSource,
            NodeHealth health) {
        this.settings = settings;
        this.health = health;
        NodeSettings nodeSettings = settings.node();
        this.node = nodeSettings.self().toString();
        this.peerSource = peerSource;
        this.knownInstances = Set.of(nodeSettings.self());
        this.advertKeys = settings.advertKeys();
        this.group = new NioEventLoopGroup(1, new NodeThreadFactory(node, "exoip-loop"));
        this.loop = group.next();
        KeptAddresses addresses = settings.kept();
        this.kept = ElasticIpSet.of(addresses.list());
        boolean named = addresses.addresses().size() > 1;
        Predicate<InetAddress> own = ownAddresses(settings.bind());
        this.ownAddress = own;
        long now = settings.nanoClock().getAsLong();
        List<ElasticIpElection> made = new ArrayList<>();
        Map<Inet4Address, ElasticIpElection> index = new HashMap<>();
        for (KeptAddresses.KeptAddress address : addresses.addresses()) {
            ElasticIpElection election = new ElasticIpElection(addresses.settingsFor(address, nodeSettings),
                    addresses.rulesFor(address.address()), own, providers.forAddress(address.address()), settings,
                    loop, named, this::loopTurn, this::onTransition);
            election.watchdog().setHealth(health.current(), now); // the first advert already says it
            election.advert(); // and priority() reads it from now on
            made.add(election);
            index.put(address.address(), election);
        }
        this.elections = List.copyOf(made);
        this.byAddress = Map.copyOf(index);
        this.primary = elections.get(0);
        this.peerRefresher = Executors.newSingleThreadScheduledExecutor(new NodeThreadFactory(node, "exoip-peers"));
        this.probeCloud = settings.keepWarm().isZero() ? null : new TimedElasticIpProvider(
                providers.forAddress(addresses.first()), settings.apiTimeout(), new NodeThreadFactory(node, "exoip-api"));
        this.probe = probeCloud == null ? null : new CloudProbe(probeCloud, settings.keepWarm(),
                settings.nanoClock(), new NodeThreadFactory(node, "exoip-probe"));
        this.noisy = new RateLimitedLog(LOG, settings.nanoClock());
        this.stalls = StallGuard.forInterval(nodeSettings.interval());
        this.planned = new PlannedHandover(elections, nodeSettings.self(), loop, this::nanos,
                () -> settings.wallClock().instant(), this::sendAdverts, this::reply);
    }

    /**
     * Binds the socket and starts advertising. The first decision comes after the hold-off of
     * interval × dead ratio.
     *
     * @throws Exception when the socket cannot be bound (the message names the address)
     */
    public static WatchdogEngine start(EngineSettings settings, ElasticIpProvider provider, PeerSource peers)
            throws Exception {
        return start(settings, provider, peers, NodeHealth.NONE);
    }

    /**
     * As {@link #start(EngineSettings, ElasticIpProvider, PeerSource)}, following {@code health}: its
     * fault and priority moves are applied on the event loop and advertised at once.
     */
    public static WatchdogEngine start(EngineSettings settings, ElasticIpProvider provider, PeerSource peers,
            NodeHealth health) throws Exception {
        return start(settings, ElasticIpProviders.single(settings.node().elasticIp(), provider), peers, health);
    }

    /**
     * Starts a node that keeps every Elastic IP of {@link EngineSettings#kept()}, each through its
     * provider from {@code providers}, with an election of its own.
     */
    public static WatchdogEngine start(EngineSettings settings, ElasticIpProviders providers, PeerSource peers,
            NodeHealth health) throws Exception {
        WatchdogEngine engine = new WatchdogEngine(settings, providers, peers, health);
        try {
            engine.bind();
        } catch (Exception e) {
            engine.release();
            throw e;
        }
        health.onChange(verdict -> engine.onLoop(() -> engine.applyHealth(verdict)));
        engine.onLoop(() -> engine.applyHealth(health.current())); // a change before the listener was added
        return engine;
    }

    /** A new verdict of the health checks or the track file: re-evaluated and advertised at once (event loop). */
    private void applyHealth(HealthVerdict verdict) {
        if (verdict.equals(primary.watchdog().health())) {
            return;
        }
        long now = nanos();
        for (ElasticIpElection election : elections) {
            election.setHealth(verdict, now);
        }
        sendAdverts();
    }

    private void bind() throws Exception {
        NodeSettings node = settings.node();
        // Shared with the peers' own sockets (PeerReceivers), hence SO_REUSEPORT, hence the check first.
        PeerReceivers.checkFree(settings.bind());
        ChannelFuture bound = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .option(PeerReceivers.REUSE_PORT, true)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(receiveHandlers());
                    }
                })
                .bind(settings.bind())
                .await();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new SocketException("cannot listen on UDP " + describe(settings.bind()) + ": " + cause.getMessage());
        }
        channel = bound.channel();
        peerReceivers = new PeerReceivers(loop, settings.bind(), this::receiveHandlers, this::onRefused);
        loop.execute(() -> {
            LOG.info("Watchdog started on UDP {} for Elastic IP {}, priority {}, interval {} ms, dead ratio {}",
                    describe(settings.bind()), describeKept(), node.priority(),
                    node.interval().toMillis(), node.deadRatio());
            long intervalNanos = node.interval().toNanos();
            placeHomes(nanos());
            loop.scheduleAtFixedRate(this::sendAdverts, 0, intervalNanos, TimeUnit.NANOSECONDS);
            scheduleEvaluations(nanos());
        });
        elections.forEach(ElasticIpElection::start);
        if (probe != null) {
            probe.start();
        }
        peerRefresher.execute(() -> refreshPeers(false));
    }

    /** {@code 198.51.100.50}, or {@code 198.51.100.50:10, 198.51.100.51 (spread, no preempt)} for several. */
    private String describeKept() {
        KeptAddresses addresses = settings.kept();
        if (addresses.addresses().size() == 1 && !addresses.spread() && !addresses.noPreempt()) {
            return addresses.first().getHostAddress();
        }
        List<String> listed = addresses.addresses().stream().map(a -> a.address().getHostAddress()
                + a.priority().stream().mapToObj(p -> ":" + p).findFirst().orElse("")).toList();
        List<String> rules = new ArrayList<>();
        if (addresses.spread()) {
            rules.add("spread");
        }
        if (addresses.noPreempt()) {
            rules.add("no preempt");
        }
        return String.join(", ", listed) + (rules.isEmpty() ? "" : " (" + String.join(", ", rules) + ")");
    }

    private long nanos() {
        return settings.nanoClock().getAsLong();
    }

    /** Times each election's next evaluation (see {@link ElasticIpElection#scheduleEvaluation}); event loop. */
    private void scheduleEvaluations(long now) {
        for (ElasticIpElection election : elections) {
            election.scheduleEvaluation(now);
        }
    }

    /**
     * A receive pipeline, for the listening socket and for each peer's own socket. The decoders
     * share the senders' counters; the peer test runs on this event loop, where the watchdog lives.
     */
    private ChannelHandler[] receiveHandlers() {
        return new ChannelHandler[] {decoder(), advertEncoder(), new InboundHandler()};
    }

    private DatagramDecoder decoder() {
        return new DatagramDecoder(kept, rejections, primary.watchdog()::isPeer, advertKeys, replayGuard,
                new HandoverGate(advertKeys, HandoverGate.thisHost(ownAddress), replayGuard, settings.wallClock()));
    }

    /**
     * Plain adverts, or authenticated ones whose counter starts at the wall clock's microseconds
     * (so a new encoder after a key change still counts on from above what the peers last saw).
     */
    private ChannelHandler advertEncoder() {
        return advertKeys.<ChannelHandler>map(keys -> new AuthenticatedAdvertEncoder(keys,
                AuthenticatedAdvertCodec.firstCounter(settings.wallClock()))).orElseGet(AdvertEncoder::new);
    }

    /**
     * SIGHUP with new advert keys: every socket's decoder and encoder are replaced on the event
     * loop, so that the next advert is signed, and the next one received checked, with them. The
     * counters the peers last sent are kept: a reload opens no window for a replay.
     */
    public void useAdvertKeys(AdvertKeys keys) {
        onLoop(() -> {
            if (advertKeys.isEmpty()) {
                return; // plain adverts were configured: a key file only counts from a restart
            }
            advertKeys = Optional.of(keys);
            List<Channel> sockets = new java.util.ArrayList<>(peerReceivers.channels());
            sockets.add(channel);
            for (Channel socket : sockets) {
                var pipeline = socket.pipeline();
                if (pipeline.get(DatagramDecoder.class) != null) {
                    pipeline.replace(DatagramDecoder.class, null, decoder());
                }
                if (pipeline.get(AuthenticatedAdvertEncoder.class) != null) {
                    pipeline.replace(AuthenticatedAdvertEncoder.class, null, advertEncoder());
                }
            }
            LOG.info("Advert keys replaced: {} key(s) accepted", keys.verifyingCount());
        });
    }

    /**
     * Sends the advert to every peer; a master (or a stopping master) sends it again
     * {@code advertCopies - 1} times a few milliseconds apart. Only the master's adverts are
     * repeated: their loss is what makes backups take over for nothing (with one copy and 20 %
     * loss, three in a row are lost once in 125 intervals), while a lost backup advert changes
     * nothing as long as the master lives.
     */
    private void sendAdverts() {
        long now = nanos();
        loopTurn(now);
        if (!sendAdvertOnce(elections)) {
            return;
        }
        lastAdvertWall = settings.wallClock().instant();
        lastAdvertNanos = now;
        advertised = true;
        List<ElasticIpElection> repeated = mastering();
        if (!repeated.isEmpty()) {
            long spacing = copySpacingNanos();
            for (int copy = 1; copy < settings.advertCopies(); copy++) {
                loop.schedule(() -> sendAdvertOnce(repeated), copy * spacing, TimeUnit.NANOSECONDS);
            }
        }
    }

    /**
     * A turn of the event loop, told before anything on it judges a peer: the adverts, every
     * datagram read, every timed evaluation. After a gap of this node's own ({@link StallGuard}: a
     * SIGSTOP, a long pause), the adverts of that time may wait unread in the sockets while the
     * timers already count every peer dead, and a backup would take over for the length of a read
     * (its attach then goes through). So every peer alive when the stall began is given one more
     * interval from now to be heard; only one still silent then counts dead. A master stalled past
     * the dead time also checks the cloud: its peers may have taken the Elastic IP meanwhile.
     */
    private void loopTurn(long now) {
        Optional<StallGuard.Stall> stalled = stalls.tick(now);
        if (stalled.isEmpty()) {
            return;
        }
        StallGuard.Stall stall = stalled.get();
        lastStall = stall;
        stallCount = stalls.count();
        long interval = settings.node().interval().toNanos();
        int forgiven = 0;
        for (ElasticIpElection election : elections) {
            forgiven = Math.max(forgiven, election.forgiveStall(stall.sinceNanos(), now + interval, now));
        }
        long gapMs = TimeUnit.NANOSECONDS.toMillis(stall.gapNanos());
        LOG.warn("This node stalled for {} ms (stopped, paused or starved: its event loop did not run); {} before "
                + "judging any peer", gapMs, forgiven == 0 ? "no peer was alive, nothing to wait for"
                : forgiven + " peer(s) alive before the stall get " + settings.node().interval().toMillis()
                        + " ms to be heard again");
        if (stall.gapNanos() > settings.node().deadTimeout().toNanos()) {
            // Its peers may have taken the Elastic IP meanwhile, while their queued adverts, read
            // only now, still look fresh here. So a master checks the cloud, as for a peer that comes back.
            String why = "this node stalled for " + gapMs + " ms, past the dead time";
            for (ElasticIpElection election : elections) {
                election.recheckIfMaster(why, now);
            }
        }
    }

    /** How many stalls of its own this node saw ({@link #loopTurn}); any thread. */
    public long stallCount() {
        return stallCount;
    }

    /** The last stall of its own: how long, and how long ago it ended; empty before any. Any thread. */
    public Optional<StallReport> lastStall() {
        StallGuard.Stall stall = lastStall;
        return stall == null ? Optional.empty()
                : Optional.of(new StallReport(Duration.ofNanos(stall.gapNanos()),
                        Duration.ofNanos(nanos() - stall.endNanos())));
    }

    /** A stall of this node's own: its length, and how long ago it ended. */
    public record StallReport(Duration length, Duration ago) {
    }

    /**
     * The elections whose adverts go out in several copies: a master's, or a stopping one's. A
     * node of one address builds no list for it, once an interval.
     */
    private List<ElasticIpElection> mastering() {
        if (elections.size() == 1) {
            return mastering(primary.role()) ? elections : List.of();
        }
        List<ElasticIpElection> out = new ArrayList<>(elections.size());
        for (ElasticIpElection election : elections) {
            if (mastering(election.role())) {
                out.add(election);
            }
        }
        return out;
    }

    private static boolean mastering(Role role) {
        return role == Role.MASTER || role == Role.STOPPING;
    }

    /** Copies go out 10 ms apart, or closer at short intervals: all within half an interval. */
    private long copySpacingNanos() {
        long halfInterval = settings.node().interval().toNanos() / 2;
        return Math.min(COPY_SPACING.toNanos(), halfInterval / settings.advertCopies());
    }

    /** Sends each election's current advert to every peer once; false when the socket is closed. */
    private boolean sendAdvertOnce(List<ElasticIpElection> which) {
        if (!channel.isActive()) {
            return false;
        }
        List<InetAddress> peers = primary.watchdog().peerAddresses();
        for (ElasticIpElection election : which) {
            Advert advert = election.advert();
            for (InetAddress peer : peers) {
                write(advert, peer);
            }
        }
        channel.flush();
        return true;
    }

    private void write(Advert advert, InetAddress peer) {
        InetSocketAddress to = new InetSocketAddress(peer, settings.bind().getPort());
        channel.write(new OutboundAdvert(advert, to)).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                advertsSent.incrementAndGet();
            } else {
                noisy.warn("send:" + peer.getHostAddress(),
                        "Sending the advert to " + describe(to) + " failed: " + f.cause().getMessage());
            }
        });
    }

    /**
     * The peer's host answered an advert with ICMP port unreachable: nothing listens on its port,
     * so its exoip process is gone while the host is up (a host that died or is cut off sends
     * nothing and still takes the dead time). One refusal may be a stray; so the advert goes again
     * a few milliseconds later, and when that is refused too, with no advert from the peer between,
     * the peer counts dead at once: a crash is seen within one of our own intervals, not three. A
     * forged refusal can at most make the nodes fail over to a genuine node, never take over.
     * Runs on the event loop.
     */
    private void onRefused(InetAddress peer) {
        long now = nanos();
        loopTurn(now);
        if (!settings.crashProbe() || elections.stream().noneMatch(e -> e.watchdog().isAlive(peer, now))
                || stopping()) {
            refusedOnce.remove(peer);
            return;
        }
        Long first = refusedOnce.get(peer);
        if (first != null && now - first <= settings.node().interval().toNanos()) {
            refusedOnce.remove(peer);
            LOG.info("Peer {} refused two adverts with nothing heard from it between (ICMP port unreachable): "
                    + "its exoip is down; counted dead now, not after the dead time", peer.getHostAddress());
            for (ElasticIpElection election : elections) {
                election.peerRefused(peer, now);
            }
            return;
        }
        refusedOnce.put(peer, now);
        loop.schedule(() -> {
            if (refusedOnce.containsKey(peer) && channel.isActive()) {
                for (ElasticIpElection election : elections) {
                    write(election.advert(), peer);
                }
                channel.flush();
            }
        }, PROBE_DELAY.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether this node is stopping (every election is, from the same moment). */
    private boolean stopping() {
        return primary.watchdog().role() == Role.STOPPING;
    }

    /** An election's change of decision, logged and handed to its reconciler already: told to the listeners. */
    private void onTransition(Watchdog.Transition transition) {
        transitionListeners.forEach(listener -> listener.accept(transition));
    }

    /**
     * Tells {@code listener} of every later change of decision of every Elastic IP's election
     * ({@link Watchdog.Transition#elasticIp()} names it): metrics, notify hooks. It is called on the
     * event loop, after the change is logged and handed to the reconciler, and must not block.
     */
    public void addTransitionListener(Consumer<Watchdog.Transition> listener) {
        transitionListeners.add(listener);
    }

    private final class InboundHandler extends SimpleChannelInboundHandler<Inbound> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Inbound inbound) {
            long now = nanos();
            loopTurn(now);
            if (inbound instanceof AdvertReceived received) {
                onAdvert(received, now);
            } else if (inbound instanceof InfoRequested info) {
                answerInfo(ctx, info, now);
            } else if (inbound instanceof HandoverRequested handover) {
                LOG.info("Hand-over requested by {} ({}): {}", describe(handover.sender()),
                        handover.signed() ? "signed" : "unsigned, from this host", handover.request());
                planned.serve(handover.sender(), handover.request(), stopping());
            } else if (inbound instanceof DatagramRejected rejected) {
                noisy.warn("reject:" + rejected.sender().getAddress().getHostAddress() + ":" + rejected.reason(),
                        "Dropped a datagram from " + describe(rejected.sender()) + ": " + rejected.detail());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A UDP server never closes on a bad packet or a transient socket error: log and go on.
            noisy.warn("exception:" + cause.getClass().getName(), "UDP socket error: " + cause.getMessage());
        }
    }

    private void onAdvert(AdvertReceived received, long now) {
        InetAddress from = received.sender().getAddress();
        // The decoder lets through adverts for the addresses kept only.
        ElasticIpElection election = elections.size() == 1 ? primary : byAddress.get(received.advert().elasticIp());
        boolean wasPeer = election.watchdog().isPeer(from);
        Watchdog.Received outcome = election.onAdvert(from, received.advert(), now, settings.wallClock().instant());
        switch (outcome) {
            case ACCEPTED -> accepted(received, now);
            case REVIVED, CHANGED -> {
                accepted(received, now);
                placeHomes(now); // a node heard for the first time for this address, or under a new id
            }
            case UNKNOWN_SENDER -> {
                // The decoder drops strangers first; this only catches a peer removed in between.
                rejections.increment(RejectReason.UNKNOWN_SENDER);
                noisy.warn("unknown:" + from.getHostAddress(),
                        "Dropped an advert from " + describe(received.sender()) + ": not a peer");
            }
            case SELF -> {
                if (wasPeer) {
                    LOG.info("Peer {} is this node itself (its adverts carry our id): dropped from the peers",
                            from.getHostAddress());
                }
            }
            case DUPLICATE_ID -> {
                rejections.increment(RejectReason.DUPLICATE_ID);
                noisy.log(Level.ERROR, "duplicate-id:" + from.getHostAddress(), "Peer " + describe(received.sender())
                        + " sends adverts with this node's own instance id " + node + ": two nodes with one id both "
                        + "act as master. A cloned image or a copied -i (give each node its own id), or this node's "
                        + "own address seen through a NAT among its peers (list only the others)");
            }
        }
    }

    private void accepted(AdvertReceived received, long now) {
        advertsReceived.incrementAndGet();
        refusedOnce.remove(received.sender().getAddress());
        if (!knownInstances.contains(received.advert().instanceId())) {
            publishKnownInstances(now);
        }
    }

    /**
     * {@code --spread}: deals the addresses' homes out again when the nodes known for them changed
     * ({@link Placement#homes}), and advertises at once any priority that moved. Event loop.
     */
    private void placeHomes(long now) {
        if (!settings.kept().spread()) {
            return;
        }
        UUID self = settings.node().self();
        Map<Inet4Address, Set<UUID>> known = new HashMap<>();
        for (ElasticIpElection election : elections) {
            Set<UUID> ids = new HashSet<>(election.watchdog().knownPeerIds(now));
            ids.add(self);
            known.put(election.address(), ids);
        }
        if (known.equals(placedFor)) {
            return;
        }
        placedFor = known;
        Map<Inet4Address, UUID> homes = Placement.homes(known);
        boolean moved = false;
        for (ElasticIpElection election : elections) {
            moved |= election.setAway(!self.equals(homes.get(election.address())), now);
        }
        if (moved) {
            List<String> mine = elections.stream().filter(e -> self.equals(homes.get(e.address())))
                    .map(e -> e.address().getHostAddress()).toList();
            // While the nodes are first heard, during the hold-off, the homes settle in a few steps.
            Level level = primary.watchdog().holdingOff(now) ? Level.DEBUG : Level.INFO;
            LOG.log(level, "Spread over {} node(s): this node is home for {} of {} Elastic IPs{}", known.values().stream()
                    .flatMap(Set::stream).distinct().count(), mine.size(), elections.size(),
                    mine.isEmpty() ? "" : ": " + String.join(", ", mine));
            sendAdverts();
        }
    }

    private void publishKnownInstances(long now) {
        Set<UUID> peers = new HashSet<>();
        for (ElasticIpElection election : elections) {
            peers.addAll(election.watchdog().knownPeerIds(now));
        }
        if (peers.size() + 1 != knownInstances.size() || !knownInstances.containsAll(peers)) {
            Set<UUID> known = new HashSet<>(peers);
            known.add(settings.node().self());
            knownInstances = Set.copyOf(known);
        }
    }

    private void answerInfo(ChannelHandlerContext ctx, InfoRequested query, long now) {
        InetSocketAddress sender = query.sender();
        if (now - infoWindowStart > TimeUnit.SECONDS.toNanos(1)) {
            infoWindowStart = now;
            infoRepliesInWindow = 0;
        }
        if (++infoRepliesInWindow > INFO_REPLIES_PER_SECOND) {
            noisy.warn("info-limit", "Too many info queries: not answering " + describe(sender));
            return;
        }
        String report = query.format() == InfoRequested.Format.JSON ? InfoJson.render(infoJson(now)) : info(now);
        // One line says who asked; the answer itself (some 16 lines) only when debugging.
        LOG.info("info{} requested by {}", query.format() == InfoRequested.Format.JSON ? " json" : "", describe(sender));
        if (LOG.isDebugEnabled()) {
            for (String line : report.split("\n")) {
                LOG.debug("info: {}", line);
            }
        }
        ByteBuf reply = ctx.alloc().buffer(report.length() * 2);
        reply.writeCharSequence(report, StandardCharsets.UTF_8);
        ctx.writeAndFlush(new DatagramPacket(reply, sender));
    }

    private String info(long now) {
        Optional<Instant> last = Optional.ofNullable(lastAdvertWall);
        Optional<Duration> since = last.map(i -> Duration.ofNanos(now - lastAdvertNanos));
        String node = elections.size() == 1
                ? InfoReport.render(primary.watchdog(), primary.watchdog().peers(now), last, since,
                        describeCloudRefusal(), primary.holders())
                : InfoReport.render(elections.stream().map(e -> new InfoReport.Address(e.watchdog(), e.watchdog().peers(now), e.holders(),
                        e.refusal().map(r -> r.describe(now)))).toList(), peerStatuses(now), last, since,
                        settings.kept());
        return node + electionLines() + cloudPath(now) + claimLines() + stallLine(now) + adverts() + health.report();
    }

    /** The {@code info json} document's values (event loop). */
    private InfoJson.Node infoJson(long now) {
        UUID self = settings.node().self();
        List<InfoJson.Address> addresses = new ArrayList<>();
        for (ElasticIpElection e : elections) {
            Optional<org.exoip.cloud.Claim> claim = e.claim();
            addresses.add(new InfoJson.Address(e.address().getHostAddress(), e.role().name(), e.priority(), e.master(),
                    e.holders(), e.refusal().map(r -> r.describe(now)), outOfElection(e),
                    planned.heldUntil(e.address()).map(InfoReport::time), claim.map(org.exoip.cloud.Claim::term),
                    claim.map(org.exoip.cloud.Claim::owner), e.yieldedTo()));
        }
        List<InfoJson.Peer> peers = peerStatuses(now).stream().map(p -> new InfoJson.Peer(p.address().getHostAddress(),
                Optional.ofNullable(p.id()), p.priority() < 0 ? Optional.<Integer>empty() : Optional.of(p.priority()),
                p.alive(), p.lastSeenWall().map(InfoReport::time), p.sinceLastSeen().map(Duration::toMillis))).toList();
        StallGuard.Stall stall = lastStall;
        InfoJson.Stalls stalls = new InfoJson.Stalls(stallCount,
                Optional.ofNullable(stall).map(s -> TimeUnit.NANOSECONDS.toMillis(s.gapNanos())),
                Optional.ofNullable(stall).map(s -> TimeUnit.NANOSECONDS.toMillis(now - s.endNanos())));
        InfoJson.Readiness readiness = probe == null ? new InfoJson.Readiness(false, true, "not probed (--api-keep-warm 0)")
                : new InfoJson.Readiness(true, probe.readiness().ready(), probe.readiness().describe(now));
        Map<String, Long> dropped = new java.util.LinkedHashMap<>();
        rejections.snapshot().forEach((reason, count) -> dropped.put(reason.label(), count));
        return new InfoJson.Node(self, settings.node().interval().toMillis(), settings.node().deadRatio(),
                Optional.ofNullable(lastAdvertWall).map(InfoReport::time),
                advertised ? Optional.of(TimeUnit.NANOSECONDS.toMillis(now - lastAdvertNanos)) : Optional.empty(),
                addresses, readiness, peers, stalls, settings.advertKeys().isPresent() ? "authenticated" : "plain",
                dropped);
    }

    /**
     * Whether this node runs in the election, and if not, every reason why: an operator's hold
     * ({@code exoip handover}), a fault (health checks, the track file). Both keep it out; it is
     * back only when none is left.
     */
    private String electionLines() {
        StringBuilder out = new StringBuilder();
        for (ElasticIpElection election : elections) {
            List<String> reasons = outOfElection(election);
            String address = elections.size() == 1 ? "" : election.address().getHostAddress() + " ";
            out.append(String.format(Locale.ROOT, "%-12s%s%s\n", "Election", address,
                    reasons.isEmpty() ? "in" : "out: " + String.join("; ", reasons)));
        }
        return out.toString();
    }

    /** Why {@code election} keeps this node out of its election; empty when it does not (event loop). */
    private List<String> outOfElection(ElasticIpElection election) {
        List<String> reasons = new ArrayList<>();
        planned.holdReason(election.address()).ifPresent(reasons::add);
        Watchdog watchdog = election.watchdog();
        if (watchdog.faulted()) {
            reasons.add("fault: " + String.join(", ", watchdog.health().faultReasons(watchdog.priority())));
        }
        if (watchdog.role() == Role.STOPPING) {
            reasons.add("stopping");
        }
        return reasons;
    }

    /** Whether this node could take over now, as the keep-warm probe last found. */
    private String cloudPath(long now) {
        String value = probe == null ? "not probed (--api-keep-warm 0)"
                : probe.readiness().describe(now) + " (every " + InfoReport.seconds(probe.period()) + ")";
        return String.format(Locale.ROOT, "%-12s%s\n", "Takeover", value);
    }

    /**
     * The ownership claim each address carries as last read, and whom this node yields to through
     * the cloud ({@link CloudReconciler#useClaims}).
     */
    private String claimLines() {
        StringBuilder out = new StringBuilder();
        UUID self = settings.node().self();
        for (ElasticIpElection election : elections) {
            String claim = election.claim().map(c -> "term " + c.term() + " by "
                    + (c.owner().equals(self) ? "this node" : c.owner().toString())).orElse("none read");
            String yielded = election.yieldedTo().map(id -> "; yielded to " + id + " through the cloud").orElse("");
            String address = elections.size() == 1 ? "" : election.address().getHostAddress() + " ";
            out.append(String.format(Locale.ROOT, "%-12s%s%s%s\n", "Claim", address, claim, yielded));
        }
        return out.toString();
    }

    /** This node's own stalls: how many, the last one's length and how long ago it ended. */
    private String stallLine(long now) {
        StallGuard.Stall stall = lastStall;
        String value = stall == null ? "none" : String.format(Locale.ROOT, "%d, the last %d ms, %s ago", stallCount,
                TimeUnit.NANOSECONDS.toMillis(stall.gapNanos()), InfoReport.seconds(Duration.ofNanos(now - stall.endNanos())));
        return String.format(Locale.ROOT, "%-12s%s\n", "Stalls", value);
    }

    /** The advert format and what was dropped, by reason; never a key. */
    private String adverts() {
        String format = settings.advertKeys()
                .map(keys -> "authenticated (HMAC-SHA256, " + keys.verifyingCount() + " key(s) accepted)")
                .orElse("plain (unauthenticated)");
        StringBuilder dropped = new StringBuilder();
        rejections.snapshot().forEach((reason, count) -> {
            if (count > 0) {
                dropped.append(dropped.length() == 0 ? "" : " ").append(reason.label()).append('=').append(count);
            }
        });
        return String.format(Locale.ROOT, "%-12s%s\n%-12s%s\n", "Adverts", format, "Dropped",
                dropped.length() == 0 ? "none" : dropped);
    }

    /** Reads the peers (runs on the peer refresher), then schedules the next read. */
    private void refreshPeers(boolean reloading) {
        try {
            PeerSource.PeerList peers = peerSource.peers();
            peerRefreshFailures = 0;
            onLoop(() -> updatePeers(peers, reloading));
            scheduleNextPeerRefresh(settings.peerRefresh());
        } catch (CloudException | RuntimeException e) {
            Duration retry = new Backoff(Duration.ofSeconds(1), settings.peerRefresh(), 0.2)
                    .delay(peerRefreshFailures++, Math::random);
            LOG.warn("Reading the peer list failed, retrying in {} ms: {}", retry.toMillis(), e.getMessage());
            scheduleNextPeerRefresh(retry);
        }
    }

    private void scheduleNextPeerRefresh(Duration delay) {
        try {
            nextPeerRefresh = peerRefresher.schedule(() -> refreshPeers(false), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("Peer refresher already stopped");
        }
    }

    /**
     * SIGHUP: re-resolves the {@code -p} names or re-lists the {@code -G} group now instead of at
     * the next refresh, and logs the outcome (the peers, changed or not). Any thread.
     */
    public void refreshPeersNow() {
        try {
            peerRefresher.execute(() -> {
                if (nextPeerRefresh != null) {
                    nextPeerRefresh.cancel(false);
                }
                refreshPeers(true);
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("Peer refresher already stopped; not refreshing");
        }
    }

    private void updatePeers(PeerSource.PeerList peers, boolean reloading) {
        Set<InetAddress> before = Set.copyOf(primary.watchdog().peerAddresses());
        long listedAt = nanos();
        for (ElasticIpElection election : elections) {
            election.setPeers(peers.addresses(), listedAt);
        }
        Set<InetAddress> after = Set.copyOf(primary.watchdog().peerAddresses());
        peerReceivers.update(after);
        placeHomes(nanos()); // a peer removed is no longer known
        List<String> listed = after.stream().map(InetAddress::getHostAddress).sorted().toList();
        if (!after.equals(before)) {
            LOG.info("Peers: {}", listed);
        } else if (reloading) {
            LOG.info("Peers unchanged: {}", listed);
        }
        if (after.isEmpty() && (!peersListed || !before.isEmpty())) {
            // Once at start and once each time a refresh leaves none: a lone node fails over to no one.
            LOG.warn("No peers: {}; running alone, nothing can take over the Elastic IP if this node fails",
                    peers.addresses().isEmpty() ? "the peer list is empty" : "the peer list names only this node ("
                            + peers.addresses().stream().map(InetAddress::getHostAddress).sorted().toList() + ")");
        }
        peersListed = true;
        long now = nanos();
        if (peers.membership() == PeerSource.Membership.NOT_MEMBER) {
            if (primary.watchdog().started()) {
                LOG.warn("This instance is not a member of its peer group: not taking part until it is");
                for (ElasticIpElection election : elections) {
                    election.suspend("not a member of the peer group", now);
                }
            }
        } else if (!primary.watchdog().started() && !stopping()) {
            // The hold-off counts from the moment the peers are known, so that they are heard first.
            for (ElasticIpElection election : elections) {
                election.startElection(now);
            }
            LOG.info("Peers known; deciding in {} ms (interval x dead ratio)", primary.watchdog().holdOff().toMillis());
        }
        scheduleEvaluations(now);
    }

    /** SIGUSR1 / SIGUSR2: moves the priority by {@code delta}, effective in the very next advert. */
    public void adjustPriority(int delta) {
        onLoop(() -> {
            long now = nanos();
            for (ElasticIpElection election : elections) {
                election.adjustPriority(delta, now);
            }
            // Advertise the change now: a node that became master for a moment and moved back
            // before its next advert would otherwise leave the others unaware that it took over.
            sendAdverts();
        });
    }

    /**
     * SIGTERM / SIGINT: a master hands over (advertises priority 255 at once, waits for a successor
     * to hold the Elastic IP, then detaches itself) and then stops; any other role stops at once.
     * {@link #terminated()} completes with the exit code.
     */
    public void stop() {
        onLoop(this::stopOnLoop);
    }

    private void stopOnLoop() {
        long now = nanos();
        if (stopping()) {
            LOG.info("Already stopping");
            return;
        }
        Role primaryBefore = primary.role();
        Duration wait = settings.node().deadTimeout().plus(HANDOVER_GRACE);
        List<CompletableFuture<Boolean>> handovers = new ArrayList<>();
        List<String> held = new ArrayList<>();
        for (ElasticIpElection election : elections) {
            Role before = election.role();
            boolean successorExpected = election.successorExpected(now);
            CompletableFuture<Boolean> done = election.stop(now, wait, () -> handoverPeers(election, successorExpected));
            if (before == Role.MASTER) {
                try (var c = election.context()) {
                    LOG.info("Stopping as MASTER: handing over (advertising priority 255{})", successorExpected
                            ? ", waiting up to " + wait.toMillis() + " ms for a successor" : ", no alive peer");
                }
                handovers.add(done.handle((released, error) -> error == null && released));
                held.add(election.address().getHostAddress());
            }
        }
        sendAdverts();
        if (handovers.isEmpty()) {
            if (elections.size() == 1) {
                LOG.info("Stopping as {}", primaryBefore);
            } else {
                LOG.info("Stopping, master of none of the {} Elastic IPs", elections.size());
            }
            finish(0);
            return;
        }
        // Every successor at once: each hand-over waits on its own reconcile thread.
        CompletableFuture.allOf(handovers.toArray(CompletableFuture[]::new)).whenComplete((none, error) -> onLoop(() -> {
            List<String> kept = new ArrayList<>();
            for (int i = 0; i < handovers.size(); i++) {
                if (!handovers.get(i).join()) {
                    kept.add(held.get(i));
                }
            }
            if (!kept.isEmpty()) {
                LOG.error("Could not detach the Elastic IP{} {} from this instance before stopping",
                        kept.size() == 1 ? "" : "s", String.join(", ", kept));
            }
            finish(kept.isEmpty() ? 0 : 1);
        }));
    }

    /** Sends a hand-over reply to whoever asked (event loop). */
    private void reply(InetSocketAddress to, HandoverReply reply) {
        if (channel.isActive()) {
            channel.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply.encode()), to));
        }
    }

    /**
     * The peers as a stopping master of {@code election} sees them now, for its hand-over (reconcile
     * thread; asks the event loop): a peer advertising {@link Priority#WORST} is stopping too.
     */
    private CloudReconciler.HandoverPeers handoverPeers(ElasticIpElection election, boolean successorExpected) {
        CompletableFuture<CloudReconciler.HandoverPeers> out = new CompletableFuture<>();
        onLoop(() -> out.complete(election.handoverPeers(nanos())));
        try {
            return out.get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return new CloudReconciler.HandoverPeers(successorExpected, Set.of()); // the loop is busy: what was known
        }
    }

    /** Stops at once without handing over, as a crash would (for tests). */
    public void kill() {
        onLoop(() -> finish(137));
    }

    private void finish(int exitCode) {
        if (terminated.isDone()) {
            return;
        }
        LOG.info("Stopped (exit code {})", exitCode);
        if (peerReceivers != null) {
            peerReceivers.close();
        }
        if (channel != null) {
            channel.close();
        }
        release();
        terminated.complete(exitCode);
    }

    private void release() {
        if (probe != null) {
            probe.close();
            probeCloud.close();
        }
        elections.forEach(ElasticIpElection::close);
        peerRefresher.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("Event loop already stopped; ignoring a late task");
        }
    }

    /**
     * Blocks the event loop until {@code release} is counted down, as a process stopped with
     * SIGSTOP would be: no adverts, no liveness, while the cloud side runs on. For tests.
     */
    void freezeUntil(CountDownLatch release) {
        onLoop(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Completes with the process exit code once the engine has stopped. */
    public CompletableFuture<Integer> terminated() {
        return terminated;
    }

    /** The role now for the first Elastic IP, the node's only one unless it keeps several (any thread). */
    public Role role() {
        return primary.role();
    }

    /** The priority advertised now for the first Elastic IP, health checks and track file included (any thread). */
    public int priority() {
        return primary.priority();
    }

    /**
     * One Elastic IP as this node sees it now.
     *
     * @param holders the instances the cloud last said hold it; empty before the first read
     * @param refusal how the cloud refuses this address's calls, while it does
     */
    public record ElasticIpState(Inet4Address address, Role role, int priority, Optional<UUID> master,
            Optional<Set<UUID>> holders, Optional<CloudReconciler.Refusal> refusal) {
    }

    /** Every Elastic IP kept, in the order given (any thread). */
    public List<ElasticIpState> elasticIps() {
        return elections.stream().map(e -> new ElasticIpState(e.address(), e.role(), e.priority(), e.master(),
                e.holders(), e.refusal())).toList();
    }

    /** This node and the peers heard from so far, for the cloud's cross-checks (any thread). */
    public Set<UUID> knownInstances() {
        return knownInstances;
    }

    /** The address the socket is bound to. */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** The {@code info} text, computed on the event loop. */
    public CompletableFuture<String> info() {
        CompletableFuture<String> out = new CompletableFuture<>();
        onLoop(() -> out.complete(info(nanos())));
        return out;
    }

    /**
     * Every peer's status, computed on the event loop (metrics): alive when alive for any Elastic IP
     * kept; its priority and id those of the first address it advertises.
     */
    public CompletableFuture<List<LivenessTracker.PeerStatus>> peerStatuses() {
        CompletableFuture<List<LivenessTracker.PeerStatus>> out = new CompletableFuture<>();
        onLoop(() -> out.complete(peerStatuses(nanos())));
        return out;
    }

    private List<LivenessTracker.PeerStatus> peerStatuses(long now) {
        List<LivenessTracker.PeerStatus> merged = new ArrayList<>(primary.watchdog().peers(now));
        for (ElasticIpElection election : elections.subList(1, elections.size())) {
            List<LivenessTracker.PeerStatus> other = election.watchdog().peers(now);
            for (int i = 0; i < merged.size(); i++) {
                LivenessTracker.PeerStatus mine = merged.get(i);
                for (LivenessTracker.PeerStatus theirs : other) {
                    if (theirs.address().equals(mine.address())) {
                        merged.set(i, mine.mergedWith(theirs));
                    }
                }
            }
        }
        return merged;
    }

    /** What the keep-warm probe last found; empty when it is off. Any thread. */
    public Optional<CloudProbe.Readiness> readiness() {
        return probe == null ? Optional.empty() : Optional.of(probe.readiness());
    }

    /** Why this node could not take over now, in words; empty when it could (or no probe runs). Any thread. */
    public Optional<String> describeUnreadiness() {
        return readiness().filter(r -> !r.ready()).map(r -> r.describe(nanos()));
    }

    /** The cloud refusing this node's calls (401, 403, 404) for any Elastic IP, while it does; any thread. */
    public Optional<CloudReconciler.Refusal> cloudRefusal() {
        for (ElasticIpElection election : elections) {
            Optional<CloudReconciler.Refusal> refusal = election.refusal();
            if (refusal.isPresent()) {
                return refusal;
            }
        }
        return Optional.empty();
    }

    /** The same in words, e.g. {@code "403 for 12.000s (3 calls): attach ... failed: 403 ..."}; any thread. */
    public Optional<String> describeCloudRefusal() {
        return cloudRefusal().map(r -> r.describe(nanos()));
    }

    /** How long ago the last round of adverts went out; empty before the first (any thread). */
    public Optional<Duration> sinceLastAdvert() {
        return advertised ? Optional.of(Duration.ofNanos(nanos() - lastAdvertNanos)) : Optional.empty();
    }

    public RejectionCounters rejections() {
        return rejections;
    }

    public long advertsSent() {
        return advertsSent.get();
    }

    public long advertsReceived() {
        return advertsReceived.get();
    }

    /** Datagrams dropped because their source is not a peer (also in {@link #rejections()}). */
    public long unknownSenders() {
        return rejections.count(RejectReason.UNKNOWN_SENDER);
    }

    /**
     * Which addresses are this node's own: the bound address, or every local interface address when
     * bound to the wildcard address.
     */
    static Predicate<InetAddress> ownAddresses(InetSocketAddress bind) {
        InetAddress bound = bind.getAddress();
        if (bound != null && !bound.isAnyLocalAddress()) {
            return bound::equals;
        }
        return address -> {
            try {
                return address.isAnyLocalAddress() || NetworkInterface.getByInetAddress(address) != null;
            } catch (SocketException e) {
                return false;
            }
        };
    }

    static String describe(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return (ip == null ? address.getHostString() : ip.getHostAddress()) + ":" + address.getPort();
    }
}

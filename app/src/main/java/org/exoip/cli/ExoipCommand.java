package org.exoip.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ObservedElasticIpProvider;
import org.exoip.cloud.PeerSource;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.exoip.logging.Secrets;
import org.exoip.metrics.ExoipMetrics;
import org.exoip.metrics.MetricsServer;
import org.exoip.process.PidFile;
import org.exoip.process.ProcessName;
import org.exoip.protocol.AdvertKeys;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.WatchdogEngine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code exoip} command: the original's flags and variables, checked, then one of -A, -D, -W. */
@Command(name = "exoip",
        sortOptions = false,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        headerHeading = "%n",
        header = "Keeps an Exoscale Elastic IP on the best alive node of a group (VRRP/CARP-like watchdog).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {
            "exoip -A|-D -xi EIP -xk KEY [--api-secret-file FILE | -xs SECRET] [options]",
            "       exoip -W -xi EIP -xk KEY [--api-secret-file FILE] (-p PEER[,PEER...] | -G GROUP) [options]",
            "       exoip standin|demo [options]"},
        descriptionHeading = "%n",
        description = {
            "Every option may also come from the environment variable named in its description;",
            "a flag on the command line wins over its variable.",
            "SIGUSR1 / SIGUSR2 move the priority by -1 / +1; SIGTERM hands over cleanly.",
            "'echo -n info | nc -4u -w1 HOST 12345' answers with the node's state."},
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success, also after a clean stop",
            "1:configuration, metadata or API failure at run time",
            "2:usage error (a bad or missing flag)"})
public final class ExoipCommand implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(ExoipCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "-A", description = "Associate the Elastic IP with this instance, then exit.")
    boolean attach;

    @Option(names = "-D", description = "Dissociate the Elastic IP from this instance, then exit.")
    boolean detach;

    @Option(names = "-W", description = "Watchdog mode: keep the Elastic IP on the best alive node.")
    boolean watch;

    @Option(names = "-xi", paramLabel = "EIP", converter = Converters.Ipv4.class,
            description = "The Elastic IP, IPv4 (env: IF_ADDRESS). Required.")
    Inet4Address elasticIp;

    @Option(names = "-xk", paramLabel = "KEY", description = "Exoscale API key (env: IF_EXOSCALE_API_KEY). Required.")
    String apiKey;

    @Option(names = "-xs", paramLabel = "SECRET",
            description = "Exoscale API secret (env: IF_EXOSCALE_API_SECRET). Visible to every user in 'ps': "
                    + "prefer --api-secret-file or the variable.")
    String apiSecret;

    @Option(names = "--api-secret-file", paramLabel = "FILE",
            description = "Read the API secret from FILE, first line (env: IF_EXOSCALE_API_SECRET_FILE).")
    Path apiSecretFile;

    @Option(names = "-xe", paramLabel = "URL", converter = Converters.HttpUrl.class,
            description = "API base URL including /v2 (env: IF_EXOSCALE_API_ENDPOINT; default: "
                    + Configuration.DEFAULT_ENDPOINT + ").")
    URI endpoint;

    @Option(names = "-xz", paramLabel = "ZONE",
            description = "Exoscale zone, e.g. ch-gva-2 (env: IF_EXOSCALE_ZONE; default: from the metadata server).")
    String zone;

    @Option(names = "--metadata-url", paramLabel = "URL", converter = Converters.HttpUrl.class,
            defaultValue = "http://169.254.169.254/latest/meta-data",
            description = "Instance metadata base URL (env: IF_EXOSCALE_METADATA_URL; default: ${DEFAULT-VALUE}).")
    URI metadataUrl;

    @Option(names = "-i", paramLabel = "ID", converter = Converters.Uuid.class,
            description = "This instance's id (env: IF_EXOSCALE_INSTANCE_ID; default: from the metadata server).")
    UUID instanceId;

    @Option(names = "-P", paramLabel = "PRIORITY", defaultValue = "10", converter = Converters.Priority.class,
            description = "Priority 0-255, lowest wins (env: IF_HOST_PRIORITY; default: ${DEFAULT-VALUE}).")
    int priority;

    @Option(names = "-l", paramLabel = "ADDRESS", defaultValue = ":12345", converter = Converters.Listen.class,
            description = "Listen address; its port is also the peers' port (env: IF_BIND_TO or IF_BIND_ADDRESS; "
                    + "default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "-p", paramLabel = "PEER", split = ",",
            description = "Peer host name or IPv4 address, repeatable and/or comma-separated; names are re-resolved "
                    + "periodically (env: IF_EXOSCALE_PEERS).")
    List<String> peers = new ArrayList<>();

    @Option(names = "-G", paramLabel = "GROUP",
            description = "Security group whose members are the peers, refreshed periodically "
                    + "(env: IF_EXOSCALE_PEER_GROUP). Exclusive with -p.")
    String peerGroup;

    @Option(names = "-r", paramLabel = "RATIO", defaultValue = "3", converter = Converters.DeadRatio.class,
            description = "A peer is dead after more than RATIO x interval without an advert (plus a tenth of "
                    + "an interval, at most 50 ms, for a late one), at least 1 "
                    + "(env: IF_DEAD_RATIO; default: ${DEFAULT-VALUE}).")
    int deadRatio;

    @Option(names = "-t", paramLabel = "INTERVAL", defaultValue = "1", converter = Converters.Interval.class,
            description = "Advert interval: seconds (1, 0.2) or with a unit (200ms, 2s), at least 10ms "
                    + "(env: IF_ADVERTISEMENT_INTERVAL; default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--reconcile-interval", paramLabel = "DURATION", defaultValue = "60",
            converter = Converters.PositiveDuration.class,
            description = "Re-assert the Elastic IP's attachment this often (env: IF_EXOSCALE_RECONCILE_INTERVAL; "
                    + "default: ${DEFAULT-VALUE}s).")
    Duration reconcileInterval;

    @Option(names = "--peer-refresh", paramLabel = "DURATION", defaultValue = "60",
            converter = Converters.PositiveDuration.class,
            description = "Re-resolve -p names / re-list the -G group this often (env: IF_EXOSCALE_PEER_REFRESH; "
                    + "default: ${DEFAULT-VALUE}s).")
    Duration peerRefresh;

    @Option(names = "--advert-copies", paramLabel = "N", defaultValue = "2", converter = Converters.AdvertCopies.class,
            description = "As master, send each advert N times, 10 ms apart, so that a lost packet does not make "
                    + "the backups take over; 1-5, 1 as the original (env: IF_EXOSCALE_ADVERT_COPIES; "
                    + "default: ${DEFAULT-VALUE}).")
    int advertCopies;

    @Option(names = "--api-timeout", paramLabel = "DURATION", defaultValue = "30",
            converter = Converters.PositiveDuration.class,
            description = "Longest time one cloud step may take before it is retried (env: IF_EXOSCALE_API_TIMEOUT; "
                    + "default: ${DEFAULT-VALUE}s).")
    Duration apiTimeout;

    @Option(names = "-v", description = "Verbose: debug logging and the configuration (secret masked) at start.")
    boolean verbose;

    @Option(names = "-n", description = "Check the configuration, print it (secret masked) and exit 0.")
    boolean checkOnly;

    @Option(names = "-O", description = "Log to standard output instead of syslog.")
    boolean stdout;

    @Option(names = "--syslog-socket", paramLabel = "PATH", defaultValue = "/dev/log",
            description = "The local syslog socket (default: ${DEFAULT-VALUE}); standard error when absent.")
    Path syslogSocket;

    @Option(names = {"-version", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean versionRequested;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean helpRequested;

    @Mixin
    ServiceOptions service = new ServiceOptions();

    /** Whether to rename the process to {@code exoip} (only a real process, never a test JVM). */
    boolean renameProcess;

    @CommandLine.Mixin
    AdvertAuthOptions advertAuth = new AdvertAuthOptions();

    /** The advert keys of this run, read and checked with the configuration. */
    private Optional<AdvertKeys> advertKeys = Optional.empty();

    private final Map<String, String> environment;
    private final CloudConnector connector;
    private final SignalInstaller signals;

    ExoipCommand(Map<String, String> environment, CloudConnector connector, SignalInstaller signals) {
        this.environment = environment;
        this.connector = connector;
        this.signals = signals;
    }

    /** The command line as run by {@code main}: real environment, Exoscale, real signals. */
    public static CommandLine commandLine() {
        CommandLine cmd = commandLine(System.getenv(), new ExoscaleConnector(), SignalInstaller.POSIX);
        ((ExoipCommand) cmd.getCommand()).renameProcess = true;
        return cmd;
    }

    static CommandLine commandLine(Map<String, String> environment, CloudConnector connector, SignalInstaller signals) {
        CommandLine cmd = new CommandLine(new ExoipCommand(environment, connector, signals));
        cmd.setDefaultValueProvider(new EnvironmentDefaults(environment));
        cmd.setPosixClusteredShortOptionsAllowed(false);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Failures at run time are explained in one line; a stack trace helps no operator.
            commandLine.getErr().println("exoip: " + Secrets.maskRegistered(e.getMessage()));
            LOG.debug("Run failed", e);
            return 1;
        });
        cmd.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("exoip: " + e.getMessage());
            err.println("Try 'exoip --help' for the options.");
            return 2;
        });
        for (Object sub : Subcommands.all()) {
            cmd.addSubcommand(sub);
        }
        return cmd;
    }

    @Override
    public Integer call() throws Exception {
        Configuration config = configuration();
        advertKeys = advertAuth.keys(spec.commandLine(), config.mode());
        // From here on, the secret is masked in every log line, whatever prints it.
        Secrets.register(config.apiSecret().reveal());
        if (checkOnly) {
            spec.commandLine().getOut().print("Configuration is valid.\n" + config.describe() + service.describe()
                    + advertAuth.describe());
            spec.commandLine().getOut().flush();
            return 0;
        }
        String node = config.instanceId().map(UUID::toString).orElse("exoip");
        Logging.configure(config.stdout() ? LogTarget.STDOUT : LogTarget.SYSLOG,
                config.verbose() ? Level.DEBUG : Level.INFO, node, config.syslogSocket(), service.logFormat);
        if (renameProcess) {
            // So that 'killall exoip' and 'pgrep -x exoip' find this JVM, as they found the original.
            ProcessName.rename(ProcessName.EXOIP).ifPresent(why -> LOG.debug("Process name left as is: {}", why));
        }
        if (config.verbose()) {
            for (String line : (config.describe() + service.describe() + advertAuth.describe()).split("\n")) {
                LOG.debug("config: {}", line);
            }
        }
        try (PidFile pidFile = service.writePidFile()) {
            return run(config);
        } catch (CloudException e) {
            LOG.error(e.getMessage());
            // Like every log line, the one line for the operator never shows a registered secret.
            spec.commandLine().getErr().println("exoip: " + Secrets.maskRegistered(e.getMessage()));
            return 1;
        }
    }

    private int run(Configuration config) throws Exception {
        AtomicReference<WatchdogEngine> engine = new AtomicReference<>();
        AtomicReference<UUID> self = new AtomicReference<>();
        CloudConnector.Cloud cloud = connector.connect(config, () -> {
            WatchdogEngine running = engine.get();
            return running != null ? running.knownInstances() : self.get() == null ? Set.of() : Set.of(self.get());
        });
        self.set(cloud.self());
        ThreadContext.put("node", cloud.self().toString());
        // Metrics only for the watchdog: a one-shot -A or -D is gone before any scrape.
        ExoipMetrics metrics = config.mode() == Mode.WATCH && service.metricsAddress != null
                ? new ExoipMetrics(cloud.self(), true) : null;
        ObservedElasticIpProvider observed = ServiceOptions.observe(cloud.provider(),
                metrics == null ? ApiCallListener.NONE : metrics);
        CloudConnector.Cloud wrapped = new CloudConnector.Cloud(cloud.self(), service.provider(observed),
                cloud.groupPeers().map(observed::observe));
        if (service.dryRun) {
            LOG.warn("Dry run: the Elastic IP is never attached nor detached, only logged");
        }
        return switch (config.mode()) {
            case ATTACH -> attachOnce(wrapped.provider(), wrapped.self());
            case DETACH -> detachOnce(wrapped.provider(), wrapped.self());
            case WATCH -> watch(config, wrapped, engine, metrics);
        };
    }

    private int attachOnce(ElasticIpProvider provider, UUID self) throws CloudException {
        if (provider.holders().contains(self)) {
            LOG.info("The Elastic IP is already attached to this instance: nothing to do");
            return 0;
        }
        provider.attach(self);
        LOG.info("Attached the Elastic IP to this instance");
        return 0;
    }

    private int detachOnce(ElasticIpProvider provider, UUID self) throws CloudException {
        if (!provider.holders().contains(self)) {
            LOG.info("The Elastic IP is not attached to this instance: nothing to do");
            return 0;
        }
        provider.detach(self);
        LOG.info("Detached the Elastic IP from this instance");
        return 0;
    }

    private int watch(Configuration config, CloudConnector.Cloud cloud, AtomicReference<WatchdogEngine> holder,
            ExoipMetrics metrics) throws Exception {
        PeerSource peerSource = cloud.groupPeers().orElseGet(() -> new StaticPeers(config.peers(), LOG::warn));
        preflight(cloud, peerSource);
        NodeSettings node = new NodeSettings(cloud.self(), config.elasticIp(), config.priority(), config.interval(),
                config.deadRatio());
        EngineSettings settings = EngineSettings.of(node, config.listen())
                .withReconcileInterval(config.reconcileInterval())
                .withPeerRefresh(config.peerRefresh())
                .withApiTimeout(config.apiTimeout())
                .withAdvertKeys(advertKeys)
                .withAdvertCopies(config.advertCopies());
        // Bound before the engine starts, so that a taken port fails the start with nothing done.
        try (MetricsServer server = metrics == null ? null : MetricsServer.start(service.metricsAddress,
                metrics.registry(), () -> holder.get() == null ? Optional.of("starting")
                        : ExoipMetrics.health(holder.get(), config.interval()))) {
            WatchdogEngine engine = WatchdogEngine.start(settings, cloud.provider(), peerSource);
            holder.set(engine);
            if (metrics != null) {
                metrics.observe(engine);
                LOG.info("Metrics at http://{}:{}/metrics, health at /healthz",
                        ServiceOptions.host(service.metricsAddress), server.port());
            }
            signals.install(engine);
            return engine.terminated().get();
        }
    }

    /**
     * One read of the cloud and of the peers before the watchdog starts: a mistake that no retry
     * can mend (a refused signature, an unknown Elastic IP or security group) stops the start with
     * exit 1 and says so, while a passing outage is only logged, as the engine retries it.
     */
    private static void preflight(CloudConnector.Cloud cloud, PeerSource peers) throws CloudException {
        try {
            cloud.provider().holders();
            peers.peers();
        } catch (CloudException e) {
            if (!e.retryable()) {
                throw e;
            }
            LOG.warn("The cloud is not reachable yet, starting anyway and retrying: {}", e.getMessage());
        }
    }

    /** Checks the options together and builds the configuration; a usage error names the flag. */
    Configuration configuration() {
        CommandLine cmd = spec.commandLine();
        int modes = (attach ? 1 : 0) + (detach ? 1 : 0) + (watch ? 1 : 0);
        if (modes != 1) {
            throw new ParameterException(cmd, modes == 0
                    ? "exactly one of -A (attach), -D (detach) or -W (watchdog) is required"
                    : "-A, -D and -W exclude each other: give exactly one");
        }
        Mode mode = attach ? Mode.ATTACH : detach ? Mode.DETACH : Mode.WATCH;
        if (elasticIp == null) {
            throw new ParameterException(cmd, "missing the Elastic IP: give -xi ADDRESS or set IF_ADDRESS");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new ParameterException(cmd, "missing the API key: give -xk KEY or set IF_EXOSCALE_API_KEY");
        }
        Secret secret = secret(cmd);
        List<String> peerNames = new ArrayList<>();
        for (String p : peers) {
            String name = peerName(cmd, p);
            if (name != null) {
                peerNames.add(name);
            }
        }
        if (mode == Mode.WATCH) {
            boolean group = peerGroup != null && !peerGroup.isBlank();
            if (group && !peerNames.isEmpty()) {
                throw new ParameterException(cmd, "-p and -G exclude each other: give the peers or their security group");
            }
            if (!group && peerNames.isEmpty()) {
                throw new ParameterException(cmd, "-W needs peers: give -p PEER[,PEER...] (IF_EXOSCALE_PEERS) "
                        + "or -G GROUP (IF_EXOSCALE_PEER_GROUP)");
            }
        }
        if (zone != null && !zone.isBlank() && !ExoscaleClient.ZONE.matcher(zone.trim()).matches()) {
            throw new ParameterException(cmd, "Invalid value for option '-xz': '" + zone
                    + "' is not a zone name (expected e.g. ch-gva-2)");
        }
        return new Configuration(mode, elasticIp, apiKey.trim(), secret, Optional.ofNullable(endpoint),
                Optional.ofNullable(zone).map(String::trim).filter(z -> !z.isEmpty()), metadataUrl,
                Optional.ofNullable(instanceId), priority, listen, List.copyOf(peerNames),
                Optional.ofNullable(peerGroup).map(String::trim).filter(g -> !g.isEmpty()), deadRatio, advertCopies,
                interval, reconcileInterval, peerRefresh, apiTimeout, verbose, stdout, syslogSocket);
    }

    private Secret secret(CommandLine cmd) {
        if (apiSecret != null && !apiSecret.isBlank()) {
            return new Secret(apiSecret.trim());
        }
        if (apiSecretFile != null) {
            try {
                String text = Files.readString(apiSecretFile, StandardCharsets.UTF_8);
                String first = text.lines().findFirst().orElse("").trim();
                if (first.isEmpty()) {
                    throw new ParameterException(cmd, "Invalid value for option '--api-secret-file': " + apiSecretFile
                            + " is empty (expected the API secret on its first line)");
                }
                return new Secret(first);
            } catch (IOException e) {
                throw new ParameterException(cmd, "Invalid value for option '--api-secret-file': cannot read "
                        + apiSecretFile + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        throw new ParameterException(cmd, "missing the API secret: give --api-secret-file FILE, "
                + "set IF_EXOSCALE_API_SECRET or IF_EXOSCALE_API_SECRET_FILE, or give -xs SECRET (visible in ps)");
    }

    /** A peer as given: a host name or IPv4 address, optionally with the shared port. */
    private String peerName(CommandLine cmd, String raw) {
        String p = raw.trim();
        if (p.isEmpty()) {
            return null;
        }
        int colon = p.lastIndexOf(':');
        if (colon >= 0) {
            String port = p.substring(colon + 1);
            if (!port.equals(Integer.toString(listen.getPort()))) {
                throw new ParameterException(cmd, "Invalid value for option '-p': '" + raw + "' names port " + port
                        + ", but every peer listens on the same port as this node (" + listen.getPort()
                        + ", from -l): give the peer without a port");
            }
            p = p.substring(0, colon);
        }
        if (!p.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            throw new ParameterException(cmd, "Invalid value for option '-p': '" + raw
                    + "' is not a host name or IPv4 address (expected e.g. 192.0.2.11 or node-b.example.net)");
        }
        return p;
    }
}

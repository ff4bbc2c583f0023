package org.exoip.cli;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.CloseableThreadContext;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ElasticIpProviders;
import org.exoip.cloud.ObservedElasticIpProvider;
import org.exoip.cloud.PeerSource;
import org.exoip.cloud.StaticPeers;
import org.exoip.cloud.TimedElasticIpProvider;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.TrustedCertificates;
import org.exoip.exoscale.standin.StandinCommand;
import org.exoip.logging.LogFormat;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.exoip.logging.NodeThreadFactory;
import org.exoip.logging.Secrets;
import org.exoip.health.HealthMonitor;
import org.exoip.metrics.ExoipMetrics;
import org.exoip.metrics.HealthMetrics;
import org.exoip.notify.NotifyHooks;
import org.exoip.metrics.MetricsServer;
import org.exoip.process.FileProblem;
import org.exoip.process.PidFile;
import org.exoip.process.ProcessName;
import org.exoip.protocol.AdvertKeys;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.KeptAddresses;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
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
        header = "Keeps an Exoscale Elastic IP on the best alive node of a group, as VRRP does.",
        synopsisHeading = "%nUsage: ",
        // Each line within 80 columns with its heading: picocli wraps a longer one at column 0.
        customSynopsis = {
            "exoip -A|-D -xi EIP[,EIP...] -xk KEY [--api-secret-file FILE|-xs SECRET]",
            "             [options]",
            "       exoip -W -xi EIP[:PRIORITY][,EIP...] -xk KEY [--api-secret-file FILE]",
            "             [-p PEER[,PEER...] | -G GROUP | --peer-pool NAME|ID",
            "              | --peer-label KEY=VALUE[,...]] [--peer-network NAME|ID]",
            "             [--spread] [--no-preempt] [options]",
            "       exoip handover [--node HOST[:PORT]] [--eip EIP] [--to NODE]",
            "             [--hold DURATION] [--no-wait] [--timeout DURATION]",
            "             [--auth-key-file PATH] | --release",
            "       exoip info [--json] [HOST[:PORT]]",
            "       exoip standin|demo [options]",
            "       exoip help [standin|demo|handover|info]"},
        descriptionHeading = "%n",
        description = {
            "Every option may also come from the environment variable named in its",
            "description; a flag on the command line wins over its variable.",
            "SIGUSR1 / SIGUSR2 move the priority by -1 / +1; SIGTERM hands over cleanly;",
            "SIGHUP re-reads the secret and key files and the peers.",
            "'exoip info HOST' prints a node's state ('echo -n info | nc -4u -w1 HOST 12345'",
            "too); 'exoip handover' moves its Elastic IPs to another node and confirms it."},
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success, also after a clean stop",
            "1:a failure at run time (metadata, API, a detach that failed during a stop)",
            "2:a usage error: a bad or missing flag or variable, named in one line with what was expected",
            "130/143:-A or -D cut short by SIGINT/SIGTERM (the call may or may not have been made)"})
public final class ExoipCommand implements Callable<Integer> {

    private static final Logger LOG = LogManager.getLogger(ExoipCommand.class);
    /** Where systemd puts a unit's credentials ({@code LoadCredential=}). */
    static final String CREDENTIALS_DIRECTORY = "CREDENTIALS_DIRECTORY";
    /** The credential holding the API secret, as exoip@.service loads it. */
    static final String SECRET_CREDENTIAL = "api-secret";

    @Spec
    CommandSpec spec;

    @Option(names = "-A", description = "Associate the Elastic IP with this instance, then exit.")
    boolean attach;

    @Option(names = "-D", description = "Dissociate the Elastic IP from this instance, then exit.")
    boolean detach;

    @Option(names = "-W", description = "Watchdog mode: keep the Elastic IP on the best alive node.")
    boolean watch;

    @Option(names = "-xi", paramLabel = "EIP[:PRIORITY]", split = "\\s*,\\s*|\\s+", splitSynopsisLabel = ",",
            description = "The Elastic IP, IPv4 (env: IF_ADDRESS). Required. Repeatable and/or comma-separated: "
                    + "-W keeps each with an election of its own; :PRIORITY sets this node's priority for that "
                    + "address instead of -P.")
    List<String> elasticIps = new ArrayList<>();

    // fallbackValue: given, the flag is on even when its variable says true (picocli would flip it off).
    @Option(names = "--spread", fallbackValue = "true", description = "With several Elastic IPs, spread their masters over the nodes: among "
            + "equal priorities, each address goes to the node that rendezvous hashing of (address, instance id) "
            + "ranks first (env: IF_EXOIP_SPREAD=true). Give it to every node.")
    boolean spread;

    @Option(names = "--no-preempt", fallbackValue = "true", description = "An Elastic IP stays with its master until that master stops, "
            + "faults or dies, even when a better node comes back (env: IF_EXOIP_NO_PREEMPT=true). Give it to "
            + "every node.")
    boolean noPreempt;

    @Option(names = "-xk", paramLabel = "KEY", description = "Exoscale API key (env: IF_EXOSCALE_API_KEY). Required.")
    String apiKey;

    @Option(names = "-xs", paramLabel = "SECRET",
            description = "Exoscale API secret (env: IF_EXOSCALE_API_SECRET). Visible to every user in 'ps': "
                    + "prefer --api-secret-file or the variable.")
    String apiSecret;

    @Option(names = "--api-secret-file", paramLabel = "FILE",
            description = "Read the API secret from FILE, first line (env: IF_EXOSCALE_API_SECRET_FILE); excludes "
                    + "-xs. With neither, the secret is the systemd credential " + SECRET_CREDENTIAL
                    + " ($" + CREDENTIALS_DIRECTORY + "/" + SECRET_CREDENTIAL + "), as exoip@.service loads it.")
    Path apiSecretFile;

    @Option(names = "-xe", paramLabel = "URL", converter = Converters.HttpUrl.class,
            description = "API base URL including /v2 (env: IF_EXOSCALE_API_ENDPOINT; default: "
                    + Configuration.DEFAULT_ENDPOINT + ").")
    URI endpoint;

    @Option(names = "--api-ca-file", paramLabel = "FILE",
            description = "Trust only the CA certificates in this PEM file for the API's HTTPS, instead of the "
                    + "JDK's trust store, as curl's --cacert does: for a private endpoint (env: "
                    + "IF_EXOSCALE_API_CA_FILE; default: the JDK's trust store).")
    Path apiCaFile;

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
            description = "Listen address; its port is also the peers' port; with --peer-network and no host, this "
                    + "node's lease there (env: IF_BIND_TO or IF_BIND_ADDRESS; default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "-p", paramLabel = "PEER", split = ",",
            description = "Peer host name or IPv4 address, repeatable and/or comma-separated; names are re-resolved "
                    + "periodically (env: IF_EXOSCALE_PEERS).")
    List<String> peers = new ArrayList<>();

    @Option(names = "-G", paramLabel = "GROUP",
            description = "Security group whose members are the peers, refreshed periodically "
                    + "(env: IF_EXOSCALE_PEER_GROUP). Exclusive with -p.")
    String peerGroup;

    // ---- peers from the cloud: instance pool and labels
    @Option(names = "--peer-pool", paramLabel = "NAME|ID",
            description = "Instance pool whose running members are the peers, refreshed periodically "
                    + "(env: IF_EXOSCALE_PEER_POOL). Without -p, -G, --peer-pool and --peer-label, -W uses the pool "
                    + "this instance belongs to.")
    String peerPool;

    @Option(names = "--peer-label", paramLabel = "KEY=VALUE", split = ",",
            description = "The peers are the running instances carrying this label; repeatable and/or "
                    + "comma-separated, all must match; refreshed periodically (env: IF_EXOSCALE_PEER_LABELS).")
    List<String> peerLabels = new ArrayList<>();
    // ---- end of peers from the cloud

    // ---- adverts over a private network
    @Option(names = "--peer-network", paramLabel = "NAME|ID",
            description = "Managed private network on which the peers of -G, --peer-pool, --peer-label or this "
                    + "instance's pool are addressed, each by its lease, re-read periodically; this node listens on "
                    + "its own lease unless -l names an address (env: IF_EXOSCALE_PEER_NETWORK). Not with -p.")
    String peerNetwork;

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
            description = "Re-resolve -p names / re-list the -G group, the pool or the labelled instances this often "
                    + "(env: IF_EXOSCALE_PEER_REFRESH; "
                    + "default: ${DEFAULT-VALUE}s).")
    Duration peerRefresh;

    @Option(names = "--advert-copies", paramLabel = "N", defaultValue = "2", converter = Converters.AdvertCopies.class,
            description = "As master, send each advert N times, 10 ms apart, so that a lost packet does not make "
                    + "the backups take over; 1-5, 1 as the original (env: IF_EXOSCALE_ADVERT_COPIES; "
                    + "default: ${DEFAULT-VALUE}).")
    int advertCopies;

    @Option(names = "--api-timeout", paramLabel = "DURATION", defaultValue = "30",
            converter = Converters.PositiveDuration.class,
            description = "Longest time one cloud step (a read of the holders, an attach or a detach, a keep-warm "
                    + "read) may take, all its tries included; then it fails, saying how many tries it made in how long, "
                    + "and -W retries it (env: IF_EXOSCALE_API_TIMEOUT; default: ${DEFAULT-VALUE}s).")
    Duration apiTimeout;

    @Option(names = "--api-idle-timeout", paramLabel = "DURATION", defaultValue = "20",
            converter = Converters.PositiveDuration.class,
            description = "An API connection idle this long is not used again; the next request opens a new one, so that "
                    + "none waits on a connection that a firewall, NAT or load balancer forgot "
                    + "(env: IF_EXOSCALE_API_IDLE_TIMEOUT; default: ${DEFAULT-VALUE}s).")
    Duration apiIdleTimeout;

    @Option(names = "--api-keep-warm", paramLabel = "DURATION", defaultValue = "15",
            converter = Converters.DurationOrOff.class,
            description = "With -W, prove the way to the API this often with one signed read of the Elastic IP: a "
                    + "failover's attach then goes out at once on a live connection, and a node that could not take "
                    + "over says so (log, info, exoip_takeover_ready, /readyz). 3600/DURATION requests an hour per "
                    + "node; 0 turns it off (env: IF_EXOSCALE_API_KEEP_WARM; default: ${DEFAULT-VALUE}s).")
    Duration apiKeepWarm;

    @Option(names = "--crash-probe", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With -W, a peer whose host refuses two adverts in a row (ICMP port unreachable: its exoip "
                    + "process is gone) with nothing heard between counts as dead at once, not after the dead time "
                    + "(env: IF_EXOSCALE_CRASH_PROBE=false turns it off; default: on).")
    boolean crashProbe;

    @Option(names = "--start-timeout", paramLabel = "DURATION", defaultValue = "300",
            converter = Converters.PositiveDuration.class,
            description = "With -W, retry the start-up lookups (this instance and its zone from the metadata server) "
                    + "this long while the network is "
                    + "not ready, then exit 1 (env: IF_EXOSCALE_START_TIMEOUT; default: ${DEFAULT-VALUE}s).")
    Duration startTimeout;

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

    @CommandLine.Mixin
    HealthOptions health = new HealthOptions();

    /** The advert keys of this run, read and checked with the configuration (and again on SIGHUP). */
    private volatile Optional<AdvertKeys> advertKeys = Optional.empty();

    /** The API secret requests are signed with; SIGHUP may replace it. */
    private volatile Secret apiSecretInUse;

    /** Where log lines on standard output and error go: the process's streams, but for tests. */
    private PrintStream logOut = System.out;
    private PrintStream logErr = System.err;
    /** Where the log lines went, once logging is set up: standard error too when syslog was unavailable. */
    private LogTarget logTarget;

    private final Map<String, String> environment;
    private final CloudConnector connector;
    private final SignalInstaller signals;

    ExoipCommand(Map<String, String> environment, CloudConnector connector, SignalInstaller signals) {
        this.environment = environment;
        this.connector = connector;
        this.signals = signals;
    }

    /** How start-up retries wait (tests drive it without sleeping). */
    StartupRetry.Time startupTime = StartupRetry.Time.REAL;

    /** The command line as run by {@code main}: real environment, Exoscale, real signals. */
    public static CommandLine commandLine() {
        CommandLine cmd = commandLine(System.getenv(), new ExoscaleConnector(), ProcessSignals.process());
        ((ExoipCommand) cmd.getCommand()).renameProcess = true;
        cmd.setExecutionStrategy(parsed -> {
            if (parsed.subcommand() != null && parsed.subcommand().commandSpec().userObject() instanceof StandinCommand) {
                // Found by 'pgrep -x exoip' as -A, -D and -W are, not as 'java'.
                ProcessName.rename(ProcessName.EXOIP);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cmd;
    }

    /** As run by {@code main}, but with the log lines and messages written to {@code out} and {@code err} (tests). */
    static CommandLine commandLine(Map<String, String> environment, CloudConnector connector, SignalInstaller signals,
            PrintStream out, PrintStream err) {
        CommandLine cmd = commandLine(environment, connector, signals);
        ExoipCommand command = cmd.getCommand();
        command.logOut = out;
        command.logErr = err;
        cmd.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cmd.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        return cmd;
    }

    static CommandLine commandLine(Map<String, String> environment, CloudConnector connector, SignalInstaller signals) {
        CommandLine cmd = new CommandLine(new ExoipCommand(environment, connector, signals));
        cmd.setDefaultValueProvider(new EnvironmentDefaults(environment));
        cmd.setPosixClusteredShortOptionsAllowed(false);
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Failures at run time are explained in one line; a stack trace helps no operator.
            if (commandLine.getCommand() instanceof ExoipCommand exoip) {
                LOG.debug("Run failed", e);
                return exoip.failed(e.getMessage() == null ? e.toString() : e.getMessage());
            }
            commandLine.getErr().println("exoip: " + Secrets.maskRegistered(e.getMessage()));
            return 1;
        });
        cmd.setParameterExceptionHandler(ExoipCommand::usageError);
        for (Object sub : Subcommands.all()) {
            cmd.addSubcommand(sub);
        }
        // After the subcommands: registered converters reach the subcommands present only.
        cmd.registerConverter(Boolean.class, new Converters.Bool());
        cmd.registerConverter(Boolean.TYPE, new Converters.Bool());
        return cmd;
    }

    /**
     * A usage error: one line naming what was wrong and what was expected, then where to look; in
     * JSON mode (once {@code --log-format} is known) one JSON object holding both. Exit code 2.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        Optional<EnvironmentDefaults> defaults = EnvironmentDefaults.of(cmd);
        // A bad value from a variable is reported under the variable's name, as the operator set that.
        String message = defaults.map(d -> d.rename(e.getMessage(), e.getArgSpec())).orElse(e.getMessage());
        // The help of the command that was wrong: 'exoip standin --help' for a bad standin option.
        String hint = "Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.";
        PrintWriter err = cmd.getErr();
        if (ServiceOptions.requestedFormat(args, defaults.flatMap(d -> d.value(ServiceOptions.LOG_FORMAT)))
                == LogFormat.JSON) {
            err.println(Logging.standardErrorLine(LogFormat.JSON, Level.ERROR, message,
                    Map.of("exit_code", "2", "hint", hint)));
        } else {
            err.println("exoip: " + message);
            err.println(hint);
        }
        return 2;
    }

    @Override
    public Integer call() throws Exception {
        Configuration config = configuration();
        signals.oneShot(config.mode() != Mode.WATCH);
        advertKeys = advertAuth.keys(spec.commandLine(), config.mode());
        health.check(spec.commandLine(), environment, config.mode());
        // From here on, the secret is masked in every log line, whatever prints it.
        Secrets.register(config.apiSecret().reveal());
        apiSecretInUse = config.apiSecret();
        if (checkOnly) {
            spec.commandLine().getOut().print("Configuration is valid.\n" + config.describe() + service.describe()
                    + advertAuth.describe() + health.describe());
            spec.commandLine().getOut().flush();
            return 0;
        }
        String node = config.instanceId().map(UUID::toString).orElse("exoip");
        logTarget = Logging.configure(config.stdout() ? LogTarget.STDOUT : LogTarget.SYSLOG,
                config.verbose() ? Level.DEBUG : Level.INFO, node, config.syslogSocket(), service.logFormat, logOut,
                logErr);
        if (renameProcess) {
            // So that 'killall exoip' and 'pgrep -x exoip' find this JVM, as they found the original.
            ProcessName.rename(ProcessName.EXOIP).ifPresent(why -> LOG.debug("Process name left as is: {}", why));
        }
        if (config.verbose()) {
            for (String line : (config.describe() + service.describe() + advertAuth.describe() + health.describe()).split("\n")) {
                LOG.debug("config: {}", line);
            }
        }
        // Before the first HttpClient of the process (the metadata client's): the JDK reads these once.
        ExoscaleClient.configureJdk(config.apiIdleTimeout());
        if (config.mode() == Mode.WATCH && !config.apiKeepWarm().isZero()
                && config.apiKeepWarm().compareTo(config.apiIdleTimeout()) >= 0) {
            LOG.warn("--api-keep-warm {} ms is not below --api-idle-timeout {} ms: each probe opens a new connection, "
                    + "so a failover's attach may have to as well", config.apiKeepWarm().toMillis(),
                    config.apiIdleTimeout().toMillis());
        }
        // Written under the signals' guard: a stop from now on removes it, whenever it comes.
        try (PidFile pidFile = signals.guard(service::writePidFile)) {
            return run(config);
        } catch (CloudException e) {
            return failed(e.getMessage());
        }
    }

    /**
     * Says why the run failed, once on each stream the operator reads: an ERROR line in the log (once
     * it is set up), and one line on standard error unless the log is standard error already. Like
     * every log line, neither shows a registered secret. Exit code 1.
     */
    private int failed(String message) {
        return failed(message, true);
    }

    /** As {@link #failed(String)}, with the log line left out when the log said it already. */
    private int failed(String message, boolean log) {
        if (log && logTarget != null) {
            try (CloseableThreadContext.Instance field = CloseableThreadContext.put("exit_code", "1")) {
                LOG.error(message);
            }
        }
        if (logTarget != LogTarget.STDERR) {
            spec.commandLine().getErr().println(Logging.standardErrorLine(
                    service.logFormat == null ? LogFormat.TEXT : service.logFormat, Level.ERROR, message,
                    Map.of("exit_code", "1")));
        }
        return 1;
    }

    private int run(Configuration config) throws Exception {
        AtomicReference<WatchdogEngine> engine = new AtomicReference<>();
        AtomicReference<UUID> self = new AtomicReference<>();
        CloudConnector.Cloud cloud = startup(config).run("find this instance and its zone",
                () -> connector.connect(config, () -> {
                    WatchdogEngine running = engine.get();
                    return running != null ? running.knownInstances()
                            : self.get() == null ? Set.of() : Set.of(self.get());
                }));
        self.set(cloud.self());
        ThreadContext.put("node", cloud.self().toString());
        // Metrics only for the watchdog: a one-shot -A or -D is gone before any scrape.
        ExoipMetrics metrics = config.mode() == Mode.WATCH && service.metricsAddress != null
                ? new ExoipMetrics(cloud.self(), config.elasticIps().list(), true) : null;
        ApiCallListener listener = health.apiCalls(metrics == null ? ApiCallListener.NONE : metrics);
        Map<Inet4Address, ElasticIpProvider> providers = new LinkedHashMap<>();
        ObservedElasticIpProvider first = null;
        for (Inet4Address address : config.elasticIps().list()) {
            ObservedElasticIpProvider observed = ServiceOptions.observe(cloud.providers().forAddress(address),
                    address, listener);
            first = first == null ? observed : first;
            providers.put(address, service.provider(observed));
        }
        Optional<PeerSource> groupPeers = cloud.groupPeers().map(first::observe);
        CloudConnector.Cloud wrapped = new CloudConnector.Cloud(cloud.self(), ElasticIpProviders.of(providers),
                groupPeers, cloud.useSecret(), cloud.networkAddress());
        if (service.dryRun) {
            LOG.warn("Dry run: the Elastic IP is never attached nor detached, only logged");
        }
        return switch (config.mode()) {
            case ATTACH -> once(providers, wrapped.self(), true, config.apiTimeout());
            case DETACH -> once(providers, wrapped.self(), false, config.apiTimeout());
            case WATCH -> watch(config, wrapped, engine, metrics);
        };
    }

    /**
     * -A / -D: attaches (or detaches) each Elastic IP given, in order. One that fails does not stop
     * the others; the run fails once all were tried, with one message naming each that failed.
     * Each step (the read of the holders, the write) ends within {@code apiTimeout}, as in -W.
     */
    private int once(Map<Inet4Address, ElasticIpProvider> providers, UUID self, boolean attach, Duration apiTimeout)
            throws CloudException {
        List<String> failures = new ArrayList<>();
        boolean several = providers.size() > 1;
        for (Map.Entry<Inet4Address, ElasticIpProvider> each : providers.entrySet()) {
            String which = several ? "Elastic IP " + each.getKey().getHostAddress() : "Elastic IP";
            try (TimedElasticIpProvider timed = new TimedElasticIpProvider(each.getValue(), apiTimeout,
                    new NodeThreadFactory(self.toString(), "exoip-api"))) {
                if (attach) {
                    attachOnce(timed, self, which);
                } else {
                    detachOnce(timed, self, which);
                }
            } catch (CloudException e) {
                if (!several) {
                    throw e;
                }
                failures.add(which + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new CloudException(String.join("; ", failures), false);
        }
        return 0;
    }

    private static void attachOnce(ElasticIpProvider provider, UUID self, String which) throws CloudException {
        if (provider.holders().contains(self)) {
            LOG.info("The {} is already attached to this instance: nothing to do", which);
            return;
        }
        provider.attach(self);
        LOG.info("Attached the {} to this instance", which);
    }

    private static void detachOnce(ElasticIpProvider provider, UUID self, String which) throws CloudException {
        if (!provider.holders().contains(self)) {
            LOG.info("The {} is not attached to this instance: nothing to do", which);
            return;
        }
        provider.detach(self);
        LOG.info("Detached the {} from this instance", which);
    }

    private int watch(Configuration config, CloudConnector.Cloud cloud, AtomicReference<WatchdogEngine> holder,
            ExoipMetrics metrics) throws Exception {
        PeerSource peerSource = cloud.groupPeers().orElseGet(() -> new StaticPeers(config.peers(), LOG::warn));
        preflight(cloud, config.elasticIps().list(), peerSource);
        NodeSettings node = new NodeSettings(cloud.self(), config.elasticIp(), config.priority(), config.interval(),
                config.deadRatio());
        EngineSettings settings = EngineSettings.of(node, listenAddress(config, cloud))
                .withElasticIps(config.elasticIps())
                .withReconcileInterval(config.reconcileInterval())
                .withPeerRefresh(config.peerRefresh())
                .withApiTimeout(config.apiTimeout())
                .withAdvertKeys(advertKeys)
                .withAdvertCopies(config.advertCopies())
                .withCrashProbe(crashProbe)
                .withKeepWarm(config.apiKeepWarm());
        // Bound before the engine starts, so that a taken port fails the start with nothing done.
        try (MetricsServer server = metrics == null ? null : MetricsServer.start(service.metricsAddress,
                metrics.registry(), () -> holder.get() == null ? Optional.of("starting")
                        : ExoipMetrics.health(holder.get(), config.interval()),
                () -> holder.get() == null ? Optional.of("starting")
                        : ExoipMetrics.readiness(holder.get(), config.interval()));
                HealthMonitor checks = health.monitor(cloud.self().toString());
                NotifyHooks hooks = health.notifyHooks(config.elasticIp().getHostAddress(), cloud.self(),
                        () -> holder.get() == null ? config.priority() : holder.get().priority())) {
            WatchdogEngine engine = WatchdogEngine.start(settings, cloud.providers(), peerSource,
                    HealthOptions.of(checks));
            holder.set(engine);
            HealthOptions.warnUselessWeights(engine, checks);
            if (hooks != null) {
                engine.addTransitionListener(hooks::transition);
            }
            if (checks != null) {
                if (metrics != null) {
                    HealthMetrics.register(metrics.registry(), checks, () -> engine.role() == Role.FAULT);
                }
                checks.start();
            }
            if (metrics != null) {
                metrics.observe(engine);
                LOG.info("Metrics at http://{}:{}/metrics, health at /healthz and /readyz",
                        ServiceOptions.host(service.metricsAddress), server.port());
            }
            signals.install(new SignalInstaller.Running(engine, () -> reload(config, cloud, engine)));
            int code = engine.terminated().get();
            if (code == 1) {
                // The engine logged which address and why; standard error gets its one line too.
                return failed("could not detach every Elastic IP it held from this instance before stopping "
                        + "(the log says which, and why)", false);
            }
            return code;
        }
    }

    /**
     * Where -W listens: {@code -l} as given, but with {@code --peer-network} and no host in it
     * ({@code :PORT}, the default), this node's lease on that network, on the port of {@code -l}.
     */
    private static InetSocketAddress listenAddress(Configuration config, CloudConnector.Cloud cloud) {
        if (cloud.networkAddress().isEmpty() || !config.listen().getAddress().isAnyLocalAddress()) {
            return config.listen();
        }
        return new InetSocketAddress(cloud.networkAddress().get(), config.listen().getPort());
    }

    /** In -W, start-up lookups are retried for {@code --start-timeout}; -A and -D fail at once. */
    private StartupRetry startup(Configuration config) {
        return config.mode() == Mode.WATCH ? new StartupRetry(startTimeout, startupTime, LOG) : StartupRetry.NONE;
    }

    /**
     * SIGHUP: re-reads the API secret and the advert key files (a file that became invalid is
     * logged and the value in use kept), re-resolves the peers now, and logs what changed. Runs on
     * the JVM's signal thread; file reads only, the rest is handed on.
     */
    private void reload(Configuration config, CloudConnector.Cloud cloud, WatchdogEngine engine) {
        CommandLine cmd = spec.commandLine();
        try {
            Secret fresh = secret(cmd);
            if (fresh.equals(apiSecretInUse)) {
                LOG.info("Reload: API secret unchanged");
            } else {
                Secrets.register(fresh.reveal());
                cloud.useSecret().accept(fresh);
                apiSecretInUse = fresh;
                LOG.info("Reload: API secret changed; requests are signed with the new one from now on");
            }
        } catch (ParameterException e) {
            LOG.error("Reload: {}; keeping the API secret in use", e.getMessage());
        }
        if (advertKeys.isPresent()) {
            try {
                Optional<AdvertKeys> fresh = advertAuth.keys(cmd, config.mode());
                if (fresh.equals(advertKeys)) {
                    LOG.info("Reload: advert keys unchanged");
                } else {
                    advertKeys = fresh;
                    fresh.ifPresent(engine::useAdvertKeys);
                }
            } catch (ParameterException e) {
                LOG.error("Reload: {}; keeping the advert keys in use", e.getMessage());
            }
        }
        engine.refreshPeersNow();
    }

    /**
     * One read of the cloud and of the peers before the watchdog starts: a mistake that no retry
     * can mend (a refused signature, an unknown Elastic IP or security group) stops the start with
     * exit 1 and says so, while a passing outage is only logged, as the engine retries it.
     */
    private static void preflight(CloudConnector.Cloud cloud, List<Inet4Address> addresses, PeerSource peers)
            throws CloudException {
        try {
            cloud.providers().forAddress(addresses.get(0)).holders();
            // The others only proven to exist (one read each, the ids found by the first lookup):
            // their reconcilers read the holders as they start.
            for (Inet4Address other : addresses.subList(1, addresses.size())) {
                cloud.providers().forAddress(other).probe();
            }
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
        List<KeptAddresses.KeptAddress> addresses = new ArrayList<>();
        for (String given : elasticIps) {
            if (!given.isBlank()) {
                try {
                    addresses.add(new Converters.KeptIpv4().convert(given));
                } catch (CommandLine.TypeConversionException e) {
                    throw invalid("-xi", e.getMessage());
                }
            }
        }
        if (addresses.isEmpty()) {
            throw new ParameterException(cmd, "missing the Elastic IP: give -xi ADDRESS or set IF_ADDRESS");
        }
        KeptAddresses kept;
        try {
            kept = new KeptAddresses(addresses, spread, noPreempt);
        } catch (IllegalArgumentException e) {
            throw invalid("-xi", e.getMessage());
        }
        if (mode != Mode.WATCH && kept.addresses().stream().anyMatch(a -> a.priority().isPresent())) {
            throw invalid("-xi", "a priority (ADDRESS:PRIORITY) is for -W only");
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new ParameterException(cmd, "missing the API key: give -xk KEY or set IF_EXOSCALE_API_KEY");
        }
        Secret secret = secret(cmd);
        List<String> peerNames = new ArrayList<>();
        for (String p : peers) {
            String name = peerName(p);
            if (name != null) {
                peerNames.add(name);
            }
        }
        Map<String, String> labels = labels();
        if (mode == Mode.WATCH) {
            List<String> given = new ArrayList<>();
            if (!peerNames.isEmpty()) {
                given.add(source("-p"));
            }
            if (peerGroup != null && !peerGroup.isBlank()) {
                given.add(source("-G"));
            }
            if (peerPool != null && !peerPool.isBlank()) {
                given.add(source("--peer-pool"));
            }
            if (!labels.isEmpty()) {
                given.add(source("--peer-label"));
            }
            if (given.size() > 1) {
                throw new ParameterException(cmd, String.join(" and ", given) + " exclude each other: give one of "
                        + "-p (peers), -G (security group), --peer-pool (instance pool) or --peer-label (labels)");
            }
            if (!peerNames.isEmpty() && peerNetwork != null && !peerNetwork.isBlank()) {
                throw new ParameterException(cmd, source("-p") + " and " + source("--peer-network")
                        + " exclude each other: -p gives the peers' addresses already (private ones too); "
                        + "--peer-network addresses the members of -G, --peer-pool, --peer-label or this instance's "
                        + "pool by their leases");
            }
        }
        if (zone != null && !zone.isBlank() && !ExoscaleClient.ZONE.matcher(zone.trim()).matches()) {
            throw invalid("-xz", "'" + zone + "' is not a zone name (expected e.g. ch-gva-2)");
        }
        if (apiCaFile != null) {
            try {
                TrustedCertificates.read(apiCaFile);
            } catch (IllegalArgumentException e) {
                throw invalid("--api-ca-file", e.getMessage());
            }
        }
        return new Configuration(mode, kept, apiKey.trim(), secret, Optional.ofNullable(endpoint),
                Optional.ofNullable(zone).map(String::trim).filter(z -> !z.isEmpty()), metadataUrl,
                Optional.ofNullable(instanceId), priority, listen, List.copyOf(peerNames),
                Optional.ofNullable(peerGroup).map(String::trim).filter(g -> !g.isEmpty()),
                Optional.ofNullable(peerPool).map(String::trim).filter(p -> !p.isEmpty()), labels,
                Optional.ofNullable(peerNetwork).map(String::trim).filter(n -> !n.isEmpty()), deadRatio,
                advertCopies, interval, reconcileInterval, peerRefresh, apiTimeout, verbose, stdout, syslogSocket,
                Optional.ofNullable(apiCaFile), apiIdleTimeout, apiKeepWarm);
    }

    /**
     * The API secret: from {@code -xs} or {@code --api-secret-file} (or their variables), which
     * exclude each other; else from the systemd credential {@value #SECRET_CREDENTIAL} (a unit's
     * {@code LoadCredential=}), so that a secret file may stay root-only under a dynamic user.
     */
    private Secret secret(CommandLine cmd) {
        boolean inline = apiSecret != null && !apiSecret.isBlank();
        if (inline && apiSecretFile != null) {
            throw new ParameterException(cmd, origin(cmd, "-xs") + " and " + origin(cmd, "--api-secret-file")
                    + " exclude each other: give the API secret once");
        }
        if (inline) {
            return new Secret(apiSecret.trim());
        }
        if (apiSecretFile != null) {
            return new Secret(firstLine(cmd, "Invalid value for option '--api-secret-file': ", apiSecretFile));
        }
        String credentials = environment.get(CREDENTIALS_DIRECTORY);
        if (credentials != null && !credentials.isBlank()) {
            Path credential = Path.of(credentials, SECRET_CREDENTIAL);
            // notExists is false also when the directory cannot be read: then the read says why.
            if (!Files.notExists(credential, LinkOption.NOFOLLOW_LINKS)) {
                return new Secret(firstLine(cmd, "the systemd credential " + SECRET_CREDENTIAL + ": ", credential));
            }
        }
        throw new ParameterException(cmd, "missing the API secret: give --api-secret-file FILE, "
                + "set IF_EXOSCALE_API_SECRET or IF_EXOSCALE_API_SECRET_FILE, load the systemd credential "
                + SECRET_CREDENTIAL + ", or give -xs SECRET (visible in ps)");
    }

    /** The first line of a secret's file, trimmed; a usage error starting with {@code what} otherwise. */
    private static String firstLine(CommandLine cmd, String what, Path file) {
        try {
            String first = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            if (first.isEmpty()) {
                throw new ParameterException(cmd, what + file + " is empty (expected the API secret on its first line)");
            }
            return first;
        } catch (IOException e) {
            throw new ParameterException(cmd, what + "cannot read " + file + ": " + FileProblem.reason(e));
        }
    }

    /** An option as the operator gave it: its name on the command line, else its environment variable. */
    private static String origin(CommandLine cmd, String option) {
        if (cmd.getParseResult() != null && cmd.getParseResult().hasMatchedOption(option)) {
            return option;
        }
        return EnvironmentDefaults.VARIABLES.get(option).get(0) + " (" + option + ")";
    }

    /** {@code --peer-label} as key to value, in the order given; a usage error names a malformed one. */
    private Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String raw : peerLabels) {
            String label = raw.trim();
            if (label.isEmpty()) {
                continue;
            }
            int equals = label.indexOf('=');
            if (equals <= 0 || !label.matches("[^=\\s]+=\\S*")) {
                throw invalid("--peer-label", "'" + raw + "' is not KEY=VALUE (expected e.g. role=exoip, "
                        + "without spaces)");
            }
            String key = label.substring(0, equals);
            String value = label.substring(equals + 1);
            String before = labels.put(key, value);
            if (before != null && !before.equals(value)) {
                throw invalid("--peer-label", "label '" + key + "' is given twice, as '" + before + "' and '" + value
                        + "' (expected one value per key: an instance carries one)");
            }
        }
        return labels;
    }

    /** A peer as given: a host name or IPv4 address, optionally with the shared port. */
    private String peerName(String raw) {
        String p = raw.trim();
        if (p.isEmpty()) {
            return null;
        }
        int colon = p.lastIndexOf(':');
        if (colon >= 0) {
            String port = p.substring(colon + 1);
            if (!port.equals(Integer.toString(listen.getPort()))) {
                throw invalid("-p", "'" + raw + "' names port " + port
                        + ", but every peer listens on the same port as this node (" + listen.getPort()
                        + ", from " + EnvironmentDefaults.of(spec.commandLine()).map(d -> d.name(spec.findOption("-l")))
                                .orElse("-l") + "): give the peer without a port");
            }
            p = p.substring(0, colon);
        }
        if (p.matches("[0-9.]+")) {
            // All digits and dots: meant as an address, never a host name (no top-level domain is numeric).
            try {
                return Converters.ipv4(p, "an IPv4 address").getHostAddress();
            } catch (CommandLine.TypeConversionException e) {
                throw invalid("-p", "'" + raw + "' is not an IPv4 address (expected four numbers from 0 to 255, "
                        + "e.g. 192.0.2.11) nor a host name (e.g. node-b.example.net)");
            }
        }
        if (!p.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            throw invalid("-p", "'" + raw
                    + "' is not a host name or IPv4 address (expected e.g. 192.0.2.11 or node-b.example.net)");
        }
        return p;
    }

    /**
     * A usage error about one option's value, in picocli's words and carrying the option, so that
     * the handler names the variable instead when the value came from one.
     */
    private ParameterException invalid(String option, String reason) {
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + reason,
                spec.findOption(option), null);
    }

    /** {@code option}, or the variable that gave its value (see {@link EnvironmentDefaults#source}). */
    private String source(String option) {
        return EnvironmentDefaults.of(spec.commandLine()).map(d -> d.source(spec.findOption(option))).orElse(option);
    }
}

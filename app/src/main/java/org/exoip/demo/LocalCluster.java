package org.exoip.demo;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.exoip.cli.SignalInstaller;
import org.exoip.exoscale.standin.AttachmentEvent;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;

/**
 * A stand-in Exoscale API in this process and {@code exoip -W} watchdogs as separate processes on
 * 127.0.0.1, .2, .3…, all sharing one Elastic IP and one security group. Used by {@code exoip demo}
 * and by the end-to-end tests. Everything it starts is stopped by {@link #close()}.
 *
 * <p>Not thread-safe: one thread drives it.
 */
public final class LocalCluster implements AutoCloseable {

    /** The Elastic IP the cluster shares (TEST-NET-2, never routed). */
    public static final String ELASTIC_IP = "198.51.100.50";
    /** The security group whose members are the peers. */
    public static final String GROUP = "exoip-demo";

    private final List<String> launcher;
    private final Path workDir;
    private final StandinServer standin;
    private final String elasticIpId;
    private final String apiKey = "EXOdemo" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final Path secretFile;
    private final int port;
    private final List<Node> nodes = new ArrayList<>();

    /** One watchdog: its name, address, instance id, process and log file. */
    public static final class Node {
        private final String name;
        private final String ip;
        private final UUID id;
        private final Path log;
        private Process process;

        Node(String name, String ip, UUID id, Path log) {
            this.name = name;
            this.ip = ip;
            this.id = id;
            this.log = log;
        }

        public String name() {
            return name;
        }

        public String ip() {
            return ip;
        }

        public UUID id() {
            return id;
        }

        public Path log() {
            return log;
        }

        public Optional<Process> process() {
            return Optional.ofNullable(process);
        }

        public boolean running() {
            return process != null && process.isAlive();
        }
    }

    /**
     * @param launcher the command that runs exoip, e.g. {@code [java, -jar, exoip.jar]}
     * @param workDir  where secret and logs go (created if missing)
     */
    public LocalCluster(List<String> launcher, Path workDir) throws IOException {
        this.launcher = List.copyOf(launcher);
        this.workDir = Files.createDirectories(workDir);
        this.standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0));
        String secret = UUID.randomUUID().toString() + UUID.randomUUID();
        StandinState state = standin.state();
        state.addCredential(apiKey, secret);
        this.elasticIpId = state.addElasticIp(ELASTIC_IP).id();
        state.addSecurityGroup(GROUP);
        this.secretFile = workDir.resolve("api-secret");
        Files.writeString(secretFile, secret + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            this.port = probe.getLocalPort();
        }
    }

    /** The command that runs this very program, with its class path. */
    public static List<String> thisProgram() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:+UseSerialGC", "-Xmx64m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.exoip.cli.Main");
    }

    /** Registers a node at 127.0.0.{n} as a member of the group (not started yet). */
    public Node addNode(String name) {
        return addNode(name, true);
    }

    /** Registers a node at 127.0.0.{n}, in the group or not yet (not started). */
    public Node addNode(String name, boolean inGroup) {
        String ip = "127.0.0." + (nodes.size() + 1);
        StandinState.Instance instance = inGroup
                ? standin.state().addInstance(name, ip, GROUP) : standin.state().addInstance(name, ip);
        Node node = new Node(name, ip, UUID.fromString(instance.id()), workDir.resolve(name + ".log"));
        nodes.add(node);
        return node;
    }

    /** Adds a node to the security group, as an operator would. */
    public void joinGroup(Node node) {
        standin.state().addMember(GROUP, node.id().toString());
    }

    /** Removes a node from the security group (its process, if any, keeps running). */
    public void leaveGroup(Node node) {
        standin.state().removeMember(GROUP, node.id().toString());
    }

    /** Starts {@code exoip -W} for the node with the given extra arguments (e.g. -t, -P). */
    public void start(Node node, String... extra) throws IOException {
        List<String> peers = new ArrayList<>(List.of("-G", GROUP));
        peers.addAll(List.of(extra));
        startWithPeerOptions(node, peers.toArray(String[]::new));
    }

    /**
     * Starts {@code exoip -W} for the node without {@code -G}: the extra arguments choose the peers
     * (or, with no peer option, the node takes its own instance pool's members). It listens on its
     * address and the cluster's port unless they give {@code -l}.
     */
    public void startWithPeerOptions(Node node, String... extra) throws IOException {
        List<String> command = command(node, "-W");
        if (!List.of(extra).contains("-l")) {
            command.addAll(List.of("-l", node.ip + ":" + port));
        }
        command.addAll(List.of(extra));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile()));
        // As bin/exoip does: the JVM's thread-suspend signal off SIGUSR2, exoip's "priority +1".
        builder.environment().putIfAbsent(SignalInstaller.SUSPEND_SIGNAL_VARIABLE, SignalInstaller.SUSPEND_SIGNAL);
        node.process = builder.start();
    }

    /**
     * The command line of exoip in {@code mode} for the node, against this cluster's API; the
     * caller may append other options.
     */
    public List<String> command(Node node, String mode) {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(mode, "-O",
                "-xi", ELASTIC_IP,
                "-xk", apiKey,
                "--api-secret-file", secretFile.toString(),
                "-xe", standin.apiBase().toString(),
                "--metadata-url", standin.metadataBase().toString(),
                // On loopback every process connects from 127.0.0.1, so the metadata server could
                // not tell them apart: give each its id.
                "-i", node.id.toString()));
        return command;
    }

    /** Sends a signal (e.g. "KILL", "TERM", "USR1", "STOP", "CONT") to the node's process. */
    public void signal(Node node, String signal) throws IOException, InterruptedException {
        // TERM and KILL straight from the JVM: spawning kill(1) would add its own start-up to the
        // failover times measured from here.
        if (signal.equals("TERM")) {
            node.process.destroy();
            return;
        }
        if (signal.equals("KILL")) {
            node.process.destroyForcibly();
            return;
        }
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.process.pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + node.process.pid() + " failed");
        }
    }

    /** The instances holding the Elastic IP now. */
    public Set<UUID> holders() {
        return standin.state().holders(elasticIpId).stream().map(UUID::fromString)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The node holding the Elastic IP alone, if exactly one does. */
    public Optional<Node> soleHolder() {
        Set<UUID> holders = holders();
        if (holders.size() != 1) {
            return Optional.empty();
        }
        UUID id = holders.iterator().next();
        return nodes.stream().filter(n -> n.id.equals(id)).findFirst();
    }

    /**
     * The node's role as its {@code info} answer gives it ("MASTER", "BACKUP", "STARTING",
     * "STOPPING"), or empty when it does not answer within a second.
     */
    public Optional<String> state(Node node) {
        return field(node, "State");
    }

    /** A line of the node's {@code info} answer, without its name ("Priority" gives "10"). */
    public Optional<String> field(Node node, String name) {
        return info(node).flatMap(text -> text.lines().filter(l -> l.startsWith(name + " "))
                .map(l -> l.substring(name.length()).trim()).findFirst());
    }

    /** The node's whole {@code info} answer, or empty when it does not answer within a second. */
    public Optional<String> info(Node node) {
        return info(node.ip);
    }

    /** The {@code info} answer of the node listening on {@code address} and the cluster's port, as {@link #info(Node)}. */
    public Optional<String> info(String address) {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            socket.setSoTimeout(1000);
            byte[] query = "info".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(query, query.length, InetAddress.getByName(address), port));
            DatagramPacket reply = new DatagramPacket(new byte[65536], 65536);
            socket.receive(reply);
            return Optional.of(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The master once the running nodes agree: every one of them (but those ignored) answers
     * MASTER or BACKUP, exactly one says MASTER, and that node alone holds the Elastic IP.
     */
    public Optional<Node> settledMaster(Node... ignoring) {
        Set<Node> ignored = Set.of(ignoring);
        Node master = null;
        for (Node node : nodes) {
            if (!node.running() || ignored.contains(node)) {
                continue;
            }
            String state = state(node).orElse("");
            if (state.equals("MASTER")) {
                if (master != null) {
                    return Optional.empty();
                }
                master = node;
            } else if (!state.equals("BACKUP")) {
                return Optional.empty();
            }
        }
        Node found = master;
        return found != null && soleHolder().filter(h -> h == found).isPresent() ? Optional.of(found) : Optional.empty();
    }

    /** Every attach and detach the stand-in API recorded, oldest first. */
    public List<AttachmentEvent> events() {
        return standin.events();
    }

    public StandinServer standin() {
        return standin;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes);
    }

    public int port() {
        return port;
    }

    public String apiKey() {
        return apiKey;
    }

    public Path secretFile() {
        return secretFile;
    }

    public Optional<Node> byId(String id) {
        return nodes.stream().filter(n -> n.id.toString().equals(id)).findFirst();
    }

    /** Waits for a condition, polling every few milliseconds; false when the deadline passed. */
    public static boolean await(Duration deadline, BooleanSupplier condition) throws InterruptedException {
        return await(deadline, Duration.ofMillis(5), condition);
    }

    /**
     * Waits for a condition, polling every {@code pause}; false when the deadline passed. A
     * condition that asks the nodes for {@code info} must pause long enough to stay under their
     * limit of {@value org.exoip.watchdog.WatchdogEngine#INFO_REPLIES_PER_SECOND} answers a second: a refused query looks like a
     * node that does not answer.
     */
    public static boolean await(Duration deadline, Duration pause, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(pause.toNanos());
        }
        return true;
    }

    /** The end of a node's log, for explaining a failure. */
    public String tail(Node node, int lines) {
        try {
            List<String> all = Files.readAllLines(node.log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3f s", nanos / 1e9);
    }

    @Override
    public void close() {
        for (Node node : nodes) {
            if (node.process != null) {
                node.process.destroyForcibly();
            }
        }
        for (Node node : nodes) {
            if (node.process != null) {
                try {
                    node.process.waitFor(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        standin.close();
    }

    /** Deletes the work directory and everything in it. */
    public void deleteWorkDir() {
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: it is a temporary directory
        }
    }
}

package org.exoip.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.exoip.demo.LocalCluster;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;
import org.exoip.testkit.LoopbackPorts;

/**
 * Steady-state memory and CPU of one {@code exoip -W} with N peers, and of keepalived doing the
 * same job in the same window, so that the ratios hold on a busy machine. exoip's peers are
 * simulated by this JVM (one UDP socket each on 127.0.0.2, .3, …, all advertising a worse priority
 * every interval), so that only the program under test is measured; it is master, holds the address
 * at the stand-in, and hears every peer. keepalived (VRRPv3, unicast to N peers, master) refuses a
 * loopback interface, so it runs in a network namespace of its own (unshare, gone with it) on one
 * end of a veth pair whose other end drops its adverts (the virtual address VRRPv3 requires is
 * there too); as in VRRP, its backups are silent. After a warm-up, CPU is the run time of every
 * thread of the process tree (/proc/PID/task/TID/schedstat) over the window, RSS and PSS
 * (/proc/PID/smaps_rollup, both keepalived processes summed) are
 * sampled every second. {@code --runs} repeats it all and prints the medians and the ratios.
 *
 * <pre>
 * bench/footprint [--peers 3] [--interval 1] [--warmup 20] [--window 60] [--runs 1]
 *                 [--launcher bin/exoip] [--keepalived /usr/sbin/keepalived | --keepalived none]
 *                 [--exoip-args "--advert-copies 1"] [--api https | --api http]
 * </pre>
 *
 * {@code --exoip-args} adds options to exoip's command line: {@code --advert-copies 1} makes it send
 * one copy of each advert, as keepalived does, for a like-for-like comparison.
 */
public final class FootprintBench {

    private FootprintBench() {
    }

    /**
     * One run's figures for one program: CPU in % of a core, RSS and PSS medians in MiB, and the
     * threads that used the most CPU (by name, with their share, in % of a core).
     */
    record Figures(double cpu, double rss, double pss, int threads, String busiest) {
        String describe() {
            return String.format(Locale.ROOT, "CPU %.3f %% of a core, RSS %.1f MiB, PSS %.1f MiB, %d threads",
                    cpu, rss, pss, threads);
        }
    }

    public static void main(String[] args) throws Exception {
        int peers = Integer.parseInt(BenchSetup.option(args, "--peers", "3"));
        String interval = BenchSetup.option(args, "--interval", "1");
        int warmup = Integer.parseInt(BenchSetup.option(args, "--warmup", "20"));
        int window = Integer.parseInt(BenchSetup.option(args, "--window", "60"));
        int runs = Integer.parseInt(BenchSetup.option(args, "--runs", "1"));
        List<String> launcher = List.of(BenchSetup.option(args, "--launcher", "bin/exoip").split(" "));
        String keepalived = BenchSetup.option(args, "--keepalived", "/usr/sbin/keepalived");
        String extra = BenchSetup.option(args, "--exoip-args", "").trim();
        List<String> exoipArgs = extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
        if (peers < 1 || peers > 250) {
            throw new IllegalArgumentException("--peers must be 1..250 (127.0.0.2 onwards)");
        }
        boolean withKeepalived = !keepalived.equals("none");
        boolean tls = BenchSetup.tls(args);
        if (withKeepalived && !Files.isExecutable(Path.of(keepalived))) {
            throw new IllegalArgumentException("--keepalived " + keepalived
                    + ": not an executable (expected: the keepalived binary, or 'none')");
        }
        System.out.printf(Locale.ROOT, "exoip -W against keepalived, %d peers, interval %s s, %d run(s) of %d s"
                + " after %d s warm-up, API over %s, launcher %s%s%s%n", peers, interval, runs, window, warmup,
                tls ? "HTTPS" : "HTTP", String.join(" ", launcher),
                exoipArgs.isEmpty() ? "" : ", exoip options " + String.join(" ", exoipArgs),
                System.getenv().containsKey("EXOIP_JAVA_OPTS") ? ", EXOIP_JAVA_OPTS=" + System.getenv("EXOIP_JAVA_OPTS") : "");
        List<Figures> exoip = new ArrayList<>();
        List<Figures> reference = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            Figures[] figures = run(peers, interval, warmup, window, launcher, exoipArgs, tls,
                    withKeepalived ? keepalived : null);
            exoip.add(figures[0]);
            System.out.printf(Locale.ROOT, "run %d: exoip      %s%n", run, figures[0].describe());
            System.out.println("  busiest threads: " + figures[0].busiest());
            if (figures[1] != null) {
                reference.add(figures[1]);
                System.out.printf(Locale.ROOT, "run %d: keepalived %s%n", run, figures[1].describe());
            }
            System.out.println("  1-minute load average at the end: " + BenchSetup.loadAverage());
        }
        Figures e = median(exoip);
        System.out.printf(Locale.ROOT, "median of %d: exoip      %s%n", runs, e.describe());
        if (!reference.isEmpty()) {
            Figures k = median(reference);
            System.out.printf(Locale.ROOT, "median of %d: keepalived %s%n", runs, k.describe());
            System.out.printf(Locale.ROOT, "ratios exoip / keepalived: CPU %.1fx, RSS %.1fx, PSS %.1fx%n",
                    e.cpu() / k.cpu(), e.rss() / k.rss(), e.pss() / k.pss());
        }
    }

    private static Figures median(List<Figures> runs) {
        return new Figures(BenchSetup.percentile(runs.stream().map(Figures::cpu).toList(), 50),
                BenchSetup.percentile(runs.stream().map(Figures::rss).toList(), 50),
                BenchSetup.percentile(runs.stream().map(Figures::pss).toList(), 50),
                (int) Math.round(BenchSetup.percentile(runs.stream().map(f -> (double) f.threads()).toList(), 50)), "");
    }

    /** One run: exoip's figures, then keepalived's (null without it). */
    private static Figures[] run(int peers, String interval, int warmup, int window, List<String> launcher,
            List<String> exoipArgs, boolean tls, String keepalived) throws Exception {
        Duration intervalDuration = Duration.ofNanos(Math.round(Double.parseDouble(interval) * 1e9));
        Path dir = Files.createTempDirectory("exoip-footprint-");
        int port;
        port = LoopbackPorts.freeUdpPort();
        Inet4Address eip = (Inet4Address) InetAddress.getByName(BenchSetup.ELASTIC_IP);
        InetSocketAddress node = new InetSocketAddress("127.0.0.1", port);
        List<DatagramChannel> sockets = new ArrayList<>();
        List<byte[]> adverts = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        Process reference = null;
        try (BenchSetup setup = new BenchSetup(dir, tls)) {
            for (int i = 0; i < peers; i++) {
                String address = "127.0.0." + (2 + i);
                DatagramChannel socket = DatagramChannel.open().bind(new InetSocketAddress(address, port));
                socket.configureBlocking(false);
                sockets.add(socket);
                addresses.add(address);
                adverts.add(AdvertCodec.encode(new Advert(20, eip, UUID.nameUUIDFromBytes(address.getBytes()))));
            }
            sender.scheduleAtFixedRate(() -> {
                ByteBuffer sink = ByteBuffer.allocate(2048);
                for (int i = 0; i < sockets.size(); i++) {
                    try {
                        sockets.get(i).send(ByteBuffer.wrap(adverts.get(i)), node);
                        while (sockets.get(i).receive(sink.clear()) != null) {
                            // drain the node's adverts
                        }
                    } catch (IOException e) {
                        // the node is not up yet, or gone: keep going
                    }
                }
            }, 0, intervalDuration.toNanos(), TimeUnit.NANOSECONDS);

            if (keepalived != null) {
                reference = startKeepalived(keepalived, dir, peers, interval);
            }
            List<String> nodeArgs = new ArrayList<>(List.of("-W", "-l", "127.0.0.1:" + port,
                    "-p", String.join(",", addresses), "-t", interval, "-P", "10"));
            nodeArgs.addAll(exoipArgs);
            Process process = new ProcessBuilder(setup.command(launcher, nodeArgs.toArray(String[]::new)))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
            // A harness stopped by Ctrl-C or kill leaves neither exoip nor keepalived behind.
            Process started = reference;
            Thread cleanup = new Thread(() -> {
                process.destroy();
                if (started != null) {
                    started.destroy();
                }
            });
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                if (!LocalCluster.await(Duration.ofSeconds(60),
                        () -> setup.standin.state().holders(setup.elasticIpId).equals(Set.of(setup.self.toString())))) {
                    throw new IllegalStateException("never became master: " + Files.readString(dir.resolve("node.log")));
                }
                if (reference != null && !LocalCluster.await(Duration.ofSeconds(30), Duration.ofMillis(50),
                        () -> log(dir.resolve("keepalived.log")).contains("Entering MASTER STATE"))) {
                    throw new IllegalStateException("keepalived never became master: " + log(dir.resolve("keepalived.log")));
                }
                TimeUnit.SECONDS.sleep(warmup);
                Sampler exoip = new Sampler(process.toHandle());
                Sampler other = reference == null ? null : new Sampler(reference.toHandle());
                long sentBefore = reference == null ? 0 : packetsSent(reference.pid());
                for (int s = 0; s < window; s++) {
                    TimeUnit.SECONDS.sleep(1);
                    exoip.sample();
                    if (other != null) {
                        other.sample();
                    }
                }
                long alive = info(node).lines().filter(l -> l.contains(" alive")).count();
                if (alive != peers) {
                    throw new IllegalStateException("exoip heard " + alive + " of " + peers + " peers alive");
                }
                if (reference != null) {
                    // A check that keepalived did the job: its adverts, counted by the veth it sends on.
                    System.out.printf(Locale.ROOT, "  keepalived sent %.1f adverts a second (expected: %.1f)%n",
                            (packetsSent(reference.pid()) - sentBefore) / (double) window,
                            peers * 1e9 / intervalDuration.toNanos());
                }
                return new Figures[] {exoip.figures(), other == null ? null : other.figures()};
            } finally {
                stop(process);
                Runtime.getRuntime().removeShutdownHook(cleanup);
            }
        } finally {
            if (reference != null) {
                stop(reference);
            }
            sender.shutdownNow();
            for (DatagramChannel socket : sockets) {
                socket.close();
            }
        }
    }

    /**
     * keepalived as master of one VRRP instance advertising to {@code peers} unicast peers, in a
     * network namespace of its own: one veth pair, its adverts sent to addresses whose neighbour
     * entries point at the other end, which drops them (no address there).
     */
    private static Process startKeepalived(String keepalived, Path dir, int peers, String interval) throws IOException {
        StringBuilder unicast = new StringBuilder();
        StringBuilder neighbours = new StringBuilder();
        for (int i = 0; i < peers; i++) {
            String address = "10.213." + ((2 + i) / 256) + "." + ((2 + i) % 256);
            unicast.append("        ").append(address).append('\n');
            neighbours.append(" && ip neigh add ").append(address).append(" lladdr 02:00:00:00:00:02 dev fp0 nud permanent");
        }
        Path config = dir.resolve("keepalived.conf");
        Files.writeString(config, "global_defs {\n    router_id footprint\n    vrrp_version 3\n}\n"
                + "vrrp_instance FOOTPRINT {\n    interface fp0\n    state MASTER\n    virtual_router_id 213\n"
                + "    priority 200\n    advert_int " + interval + "\n    unicast_src_ip 10.213.0.1\n"
                + "    unicast_peer {\n" + unicast + "    }\n    virtual_ipaddress {\n        10.213.255.1/32\n    }\n}\n");
        String script = "ip link set lo up && ip link add fp0 type veth peer name fp1"
                + " && ip addr add 10.213.0.1/16 dev fp0 && ip link set fp1 up && ip link set fp0 up" + neighbours
                + " && exec " + keepalived + " -n -l --vrrp -f " + config + " -p " + dir.resolve("keepalived.pid")
                + " -r " + dir.resolve("vrrp.pid") + " -i footprint";
        return new ProcessBuilder("unshare", "--net", "sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(dir.resolve("keepalived.log").toFile()).start();
    }

    /** Packets sent on fp0 in the process's network namespace (its /proc/PID/net/dev). */
    private static long packetsSent(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/net/dev"))) {
            String[] fields = line.trim().split("[:\\s]+");
            if (fields[0].equals("fp0")) {
                return Long.parseLong(fields[10]);
            }
        }
        throw new IOException("no fp0 in the network namespace of " + pid);
    }

    private static String log(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** CPU of a process tree over the window, its RSS and PSS every second. */
    private static final class Sampler {
        private final ProcessHandle root;
        private final Map<String, Long> cpuBefore;
        private final long start = System.nanoTime();
        private final List<Double> rss = new ArrayList<>();
        private final List<Double> pss = new ArrayList<>();
        private int threads;

        Sampler(ProcessHandle root) throws IOException {
            this.root = root;
            this.cpuBefore = cpuNanos();
        }

        private List<Long> pids() {
            return Stream.concat(Stream.of(root), root.descendants()).map(ProcessHandle::pid).toList();
        }

        void sample() throws IOException {
            long rssKib = 0;
            long pssKib = 0;
            int tasks = 0;
            for (long pid : pids()) {
                Map<String, Long> rollup = smapsRollup(pid);
                rssKib += rollup.getOrDefault("Rss", 0L);
                pssKib += rollup.getOrDefault("Pss", 0L);
                String[] names = Path.of("/proc/" + pid + "/task").toFile().list();
                tasks += names == null ? 0 : names.length;
            }
            rss.add(rssKib / 1024.0);
            pss.add(pssKib / 1024.0);
            threads = tasks;
        }

        /**
         * Run time of every thread now, by pid/tid/name; a thread born in the window counts from
         * zero, one that ended in it is missed.
         */
        private Map<String, Long> cpuNanos() throws IOException {
            Map<String, Long> cpu = new HashMap<>();
            for (long pid : pids()) {
                String[] tids = Path.of("/proc/" + pid + "/task").toFile().list();
                for (String tid : tids == null ? new String[0] : tids) {
                    try {
                        Path task = Path.of("/proc/" + pid + "/task/" + tid);
                        String schedstat = Files.readString(task.resolve("schedstat"));
                        String name = Files.readString(task.resolve("comm")).strip();
                        cpu.put(pid + "/" + tid + "/" + name, Long.parseLong(schedstat.split(" ")[0]));
                    } catch (IOException e) {
                        // the thread ended meanwhile
                    }
                }
            }
            return cpu;
        }

        Figures figures() throws IOException {
            double seconds = (System.nanoTime() - start) / 1e9;
            long used = 0;
            Map<String, Long> byName = new HashMap<>();
            for (Map.Entry<String, Long> entry : cpuNanos().entrySet()) {
                long delta = entry.getValue() - cpuBefore.getOrDefault(entry.getKey(), 0L);
                used += delta;
                // Pool threads by name without their number: HttpClient-1-Worker-0 and -1 are one line.
                String name = entry.getKey().substring(entry.getKey().lastIndexOf('/') + 1).replaceAll("-?\\d+$", "");
                byName.merge(name, delta, Long::sum);
            }
            String busiest = byName.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(6).map(e -> String.format(Locale.ROOT, "%s %.3f", e.getKey(), e.getValue() / 1e9 / seconds * 100))
                    .collect(java.util.stream.Collectors.joining(", "));
            return new Figures(used / 1e9 / seconds * 100, BenchSetup.percentile(rss, 50),
                    BenchSetup.percentile(pss, 50), threads, busiest);
        }
    }

    static Map<String, Long> smapsRollup(long pid) throws IOException {
        Map<String, Long> values = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.endsWith(" kB")) {
                values.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 1, line.length() - 3).trim()));
            }
        }
        return values;
    }

    /** The node's answer to {@code info}. */
    static String info(InetSocketAddress node) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            socket.setSoTimeout(2000);
            byte[] query = "info".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(query, query.length, node));
            byte[] buffer = new byte[65_535];
            DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
            socket.receive(reply);
            return new String(buffer, 0, reply.getLength(), StandardCharsets.UTF_8);
        }
    }
}

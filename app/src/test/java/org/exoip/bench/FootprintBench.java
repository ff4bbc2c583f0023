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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.exoip.demo.LocalCluster;
import org.exoip.protocol.Advert;
import org.exoip.protocol.AdvertCodec;

/**
 * Steady-state memory and CPU of one {@code exoip -W} with N peers. The peers are simulated by this
 * JVM (one UDP socket each on 127.0.0.2, .3, …, all advertising a worse priority every interval),
 * so that only the program under test is measured; it is master, holds the address at the
 * stand-in, and hears every peer. After a warm-up, CPU is read from /proc/PID/stat (user + system)
 * over the window and RSS from /proc/PID/status every second.
 *
 * <pre>
 * bench/footprint [--peers 3] [--interval 1] [--warmup 20] [--window 60] [--launcher bin/exoip]
 * </pre>
 */
public final class FootprintBench {

    private FootprintBench() {
    }

    public static void main(String[] args) throws Exception {
        int peers = Integer.parseInt(BenchSetup.option(args, "--peers", "3"));
        String interval = BenchSetup.option(args, "--interval", "1");
        Duration intervalDuration = Duration.ofNanos(Math.round(Double.parseDouble(interval) * 1e9));
        int warmup = Integer.parseInt(BenchSetup.option(args, "--warmup", "20"));
        int window = Integer.parseInt(BenchSetup.option(args, "--window", "60"));
        List<String> launcher = List.of(BenchSetup.option(args, "--launcher", "bin/exoip").split(" "));
        if (peers < 1 || peers > 250) {
            throw new IllegalArgumentException("--peers must be 1..250 (127.0.0.2 onwards)");
        }
        Path dir = Files.createTempDirectory("exoip-footprint-");
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        Inet4Address eip = (Inet4Address) InetAddress.getByName(BenchSetup.ELASTIC_IP);
        InetSocketAddress node = new InetSocketAddress("127.0.0.1", port);
        List<DatagramChannel> sockets = new ArrayList<>();
        List<byte[]> adverts = new ArrayList<>();
        List<String> addresses = new ArrayList<>();
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
        try (BenchSetup setup = new BenchSetup(dir)) {
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

            Process process = new ProcessBuilder(setup.command(launcher, "-W", "-l", "127.0.0.1:" + port,
                    "-p", String.join(",", addresses), "-t", interval, "-P", "10"))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("node.log").toFile()).start();
            try {
                long pid = process.pid();
                if (!LocalCluster.await(Duration.ofSeconds(60),
                        () -> setup.standin.state().holders(setup.elasticIpId).equals(Set.of(setup.self.toString())))) {
                    throw new IllegalStateException("never became master: " + Files.readString(dir.resolve("node.log")));
                }
                TimeUnit.SECONDS.sleep(warmup);
                long ticksBefore = cpuTicks(pid);
                long start = System.nanoTime();
                List<Long> rss = new ArrayList<>();
                for (int s = 0; s < window; s++) {
                    TimeUnit.SECONDS.sleep(1);
                    rss.add(rssKib(pid));
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpu = (cpuTicks(pid) - ticksBefore) / 100.0 / seconds * 100;
                long alive = info(node).lines().filter(l -> l.contains(" alive")).count();
                List<Double> rssMib = rss.stream().map(k -> k / 1024.0).toList();
                System.out.printf(Locale.ROOT, "exoip -W, %d peers (%d heard alive), interval %s s, launcher %s%s%n",
                        peers, alive, interval, String.join(" ", launcher),
                        System.getenv().containsKey("EXOIP_JAVA_OPTS")
                                ? ", EXOIP_JAVA_OPTS=" + System.getenv("EXOIP_JAVA_OPTS") : "");
                System.out.printf(Locale.ROOT, "  CPU %.2f %% of one core over %.0f s (after %d s warm-up)%n",
                        cpu, seconds, warmup);
                System.out.printf(Locale.ROOT, "  RSS median %.1f MiB, max %.1f MiB%n",
                        BenchSetup.percentile(rssMib, 50), BenchSetup.percentile(rssMib, 100));
                System.out.println("  1-minute load average at the end: " + BenchSetup.loadAverage());
            } finally {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
                process.destroyForcibly();
            }
        } finally {
            sender.shutdownNow();
            for (DatagramChannel socket : sockets) {
                socket.close();
            }
        }
    }

    /** User + system time of the process, in clock ticks (1/100 s on Linux). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
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

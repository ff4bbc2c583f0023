package org.exoip.bench;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ExoscaleElasticIpProvider;
import org.exoip.cloud.StaticPeers;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.exoip.health.NodeHealth;
import org.exoip.watchdog.EngineSettings;
import org.exoip.watchdog.KeptAddresses;
import org.exoip.watchdog.NodeSettings;
import org.exoip.watchdog.Role;
import org.exoip.watchdog.WatchdogEngine;
import org.exoip.testkit.LoopbackPorts;

/**
 * API calls at rest of a watchdog keeping 1, 4 and 16 Elastic IPs: three nodes in this JVM on
 * loopback ({@code 127.0.0.1-3}), each with its own API client, against the stand-in API, with the
 * command's defaults (reconcile every 60 s, keep-warm every 15 s, static peers: no peer listing).
 * Once every address is held alone by its master, the stand-in's request counts are read over a
 * window; the figure is requests per minute for the three nodes, by route.
 *
 * <pre>
 * bench/api-economy [--window 120] [--addresses 1,4,16] [--spread true]
 * </pre>
 */
public final class ApiEconomyBench {

    private static final List<String> HOSTS = List.of("127.0.0.1", "127.0.0.2", "127.0.0.3");

    private ApiEconomyBench() {
    }

    public static void main(String[] args) throws Exception {
        Duration window = Duration.ofSeconds(Long.parseLong(BenchSetup.option(args, "--window", "120")));
        if (Boolean.parseBoolean(BenchSetup.option(args, "--log", "false"))) {
            org.exoip.logging.Logging.configure(org.exoip.logging.LogTarget.STDERR,
                    org.apache.logging.log4j.Level.INFO, "bench");
        }
        boolean spread = Boolean.parseBoolean(BenchSetup.option(args, "--spread", "true"));
        List<Integer> counts = new ArrayList<>();
        for (String m : BenchSetup.option(args, "--addresses", "1,4,16").split(",")) {
            counts.add(Integer.parseInt(m.trim()));
        }
        System.out.printf(Locale.ROOT, "API calls at rest, 3 nodes, %s window, reconcile 60 s, keep-warm 15 s, "
                + "%s, load %s%n", window.toSeconds() + " s", spread ? "--spread" : "best node masters all",
                BenchSetup.loadAverage());
        System.out.println("| Elastic IPs | requests until settled, 3 nodes | requests/min at rest, 3 nodes | per node "
                + "| by route (per minute, 3 nodes) |");
        System.out.println("|---|---|---|---|---|");
        for (int m : counts) {
            long[] startup = new long[1];
            Map<String, Double> perMinute = run(m, window, spread, startup);
            double total = perMinute.values().stream().mapToDouble(Double::doubleValue).sum();
            StringBuilder routes = new StringBuilder();
            perMinute.forEach((route, rate) -> routes.append(routes.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%s %.1f", route, rate)));
            System.out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %s |%n", m, startup[0], total, total / 3, routes);
        }
    }

    /** Requests per minute at rest by route; {@code startup[0]} gets the requests made until every address settled. */
    private static Map<String, Double> run(int m, Duration window, boolean spread, long[] startup) throws Exception {
        try (StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            StandinState state = standin.state();
            String key = "EXObench00000000000000002";
            String secret = "bench-secret-" + UUID.randomUUID();
            state.addCredential(key, secret);
            List<Inet4Address> addresses = new ArrayList<>();
            for (int i = 0; i < m; i++) {
                String ip = "198.51.100." + (50 + i);
                state.addElasticIp(ip);
                addresses.add((Inet4Address) InetAddress.getByName(ip));
            }
            int port;
            port = LoopbackPorts.freeUdpPort();
            List<WatchdogEngine> engines = new ArrayList<>();
            try {
                for (int n = 0; n < HOSTS.size(); n++) {
                    UUID self = UUID.fromString(state.addInstance("bench-" + n, HOSTS.get(n), "exoip").id());
                    ExoscaleClient client = ExoscaleClient.builder().endpoint(standin.apiBase()).apiKey(key)
                            .apiSecret(secret).build();
                    AtomicReference<WatchdogEngine> engine = new AtomicReference<>();
                    Map<Inet4Address, ElasticIpProvider> providers = new HashMap<>();
                    for (Inet4Address a : addresses) {
                        providers.put(a, new ExoscaleElasticIpProvider(client, a, () -> engine.get() == null
                                ? Set.of(self) : engine.get().knownInstances()));
                    }
                    NodeSettings node = new NodeSettings(self, addresses.get(0), 10, Duration.ofSeconds(1), 3);
                    EngineSettings settings = EngineSettings.of(node, new InetSocketAddress(HOSTS.get(n), port))
                            .withElasticIps(new KeptAddresses(addresses.stream().map(KeptAddresses.KeptAddress::of)
                                    .toList(), spread, false))
                            .withKeepWarm(EngineSettings.DEFAULT_KEEP_WARM);
                    engine.set(WatchdogEngine.start(settings, org.exoip.cloud.ElasticIpProviders.of(providers),
                            new StaticPeers(HOSTS, w -> { }), NodeHealth.NONE));
                    engines.add(engine.get());
                }
                awaitSettled(state, engines, addresses);
                // The second request of each new master's hedged attach may still be on its way.
                TimeUnit.SECONDS.sleep(2);
                Map<String, Long> before = new HashMap<>(standin.requestCounts());
                startup[0] = before.values().stream().mapToLong(Long::longValue).sum();
                int eventsBefore = state.events().size();
                TimeUnit.NANOSECONDS.sleep(window.toNanos());
                Map<String, Long> after = standin.requestCounts();
                List<?> moves = state.events().subList(eventsBefore, state.events().size());
                if (!moves.isEmpty()) {
                    System.out.println("  " + m + " addresses: " + moves.size() + " attach/detach at rest: " + moves);
                }
                Map<String, Double> perMinute = new TreeMap<>();
                after.forEach((route, count) -> {
                    long delta = count - before.getOrDefault(route, 0L);
                    if (delta > 0) {
                        perMinute.put(route, delta * 60.0 / window.toSeconds());
                    }
                });
                return new LinkedHashMap<>(perMinute);
            } finally {
                engines.forEach(WatchdogEngine::kill);
            }
        }
    }

    /** Until each address is held by exactly one instance and that node is its master. */
    private static void awaitSettled(StandinState state, List<WatchdogEngine> engines, List<Inet4Address> addresses)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() - deadline < 0) {
            boolean settled = true;
            for (Inet4Address a : addresses) {
                String id = state.findElasticIp(a.getHostAddress()).orElseThrow().id();
                long masters = engines.stream().filter(e -> e.elasticIps().stream()
                        .anyMatch(s -> s.address().equals(a) && s.role() == Role.MASTER)).count();
                settled &= state.holders(id).size() == 1 && masters == 1;
            }
            if (settled) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        throw new IllegalStateException("the addresses did not settle within 60 s");
    }
}

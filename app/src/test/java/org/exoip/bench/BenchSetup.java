package org.exoip.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.exoip.exoscale.standin.StandinServer;
import org.exoip.exoscale.standin.StandinState;
import org.exoip.exoscale.standin.StandinTls;

/**
 * What both benchmarks share: a stand-in Exoscale API in this JVM (loopback only), one Elastic IP,
 * one instance for the program under test, and the command line that points exoip at them. The
 * stand-in speaks HTTPS, as the real API does (a self-signed certificate that exoip is told to
 * trust with {@code --api-ca-file}), unless {@code --api http} asks for plain HTTP: the TLS
 * client's classes and handshakes are part of what exoip costs in the field.
 */
final class BenchSetup implements AutoCloseable {

    static final String ELASTIC_IP = "198.51.100.50";

    final StandinServer standin;
    final String elasticIpId;
    final UUID self;
    private final String key = "EXObench00000000000000001";
    private final Path secretFile;
    /** The stand-in's certificate for {@code --api-ca-file}; null over plain HTTP. */
    private final Path caFile;

    /** {@code https} unless the arguments say {@code --api http}; anything else is refused. */
    static boolean tls(String[] args) {
        String api = option(args, "--api", "https");
        if (!api.equals("https") && !api.equals("http")) {
            throw new IllegalArgumentException("--api " + api + ": expected https or http");
        }
        return api.equals("https");
    }

    BenchSetup(Path dir, boolean tls) throws IOException {
        StandinServer.Builder builder = StandinServer.builder();
        if (tls) {
            StandinTls identity = StandinTls.selfSigned(StandinTls.DEFAULT_NAMES);
            caFile = dir.resolve("api-ca.pem");
            identity.writeCertificate(caFile);
            builder.tls(identity);
        } else {
            caFile = null;
        }
        standin = builder.start(new InetSocketAddress("127.0.0.1", 0));
        StandinState state = standin.state();
        String secret = "bench-secret-" + UUID.randomUUID();
        state.addCredential(key, secret);
        elasticIpId = state.addElasticIp(ELASTIC_IP).id();
        self = UUID.fromString(state.addInstance("bench-node", "127.0.0.1", "exoip").id());
        secretFile = dir.resolve("api-secret");
        Files.writeString(secretFile, secret + "\n");
    }

    /** The launcher (e.g. {@code bin/exoip}), then the flags that point it at the stand-in. */
    List<String> command(List<String> launcher, String... more) {
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("-O", "-xi", ELASTIC_IP, "-xk", key, "--api-secret-file", secretFile.toString(),
                "-xe", standin.apiBase().toString(), "--metadata-url", standin.metadataBase().toString(),
                "-i", self.toString()));
        if (caFile != null) {
            command.addAll(List.of("--api-ca-file", caFile.toString()));
        }
        command.addAll(Arrays.asList(more));
        return command;
    }

    long requests() {
        return standin.requestCounts().values().stream().mapToLong(Long::longValue).sum();
    }

    /** {@code --name value} from the arguments, or the default. */
    static String option(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** The machine's 1-minute load average, so that a reader knows how busy it was. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    static double percentile(List<Double> values, double p) {
        List<Double> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }

    @Override
    public void close() {
        standin.close();
    }
}

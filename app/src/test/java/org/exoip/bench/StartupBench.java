package org.exoip.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Start-up of the one-shot modes ({@code -A}, {@code -D}, as ifupdown hooks run them) against the
 * stand-in API in this JVM. For each run: from process start to the first API request the
 * stand-in sees, the API span (first to last request), and the rest (after the last request
 * to exit). Overhead = total - API span: what the JVM and the program add to the API's own time.
 *
 * <pre>
 * bench/startup [--runs 20] [--launcher bin/exoip] [--api https | --api http]
 * </pre>
 * The stand-in speaks HTTPS unless {@code --api http}; the TLS handshake falls in the API span.
 * EXOIP_JAVA_OPTS in the environment reaches bin/exoip, to compare JVM options.
 */
public final class StartupBench {

    private StartupBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(BenchSetup.option(args, "--runs", "20"));
        List<String> launcher = List.of(BenchSetup.option(args, "--launcher", "bin/exoip").split(" "));
        Path dir = Files.createTempDirectory("exoip-startup-");
        List<Double> first = new ArrayList<>();
        List<Double> span = new ArrayList<>();
        List<Double> total = new ArrayList<>();
        List<Double> overhead = new ArrayList<>();
        try (BenchSetup setup = new BenchSetup(dir, BenchSetup.tls(args))) {
            for (int i = 0; i < runs + 2; i++) {
                String mode = i % 2 == 0 ? "-A" : "-D";
                long before = setup.requests();
                long start = System.nanoTime();
                Process process = new ProcessBuilder(setup.command(launcher, mode))
                        .redirectErrorStream(true).redirectOutput(dir.resolve("run.log").toFile()).start();
                long firstAt = 0;
                long lastAt = 0;
                long seen = before;
                while (process.isAlive()) {
                    long now = setup.requests();
                    if (now != seen) {
                        long t = System.nanoTime();
                        if (firstAt == 0) {
                            firstAt = t;
                        }
                        lastAt = t;
                        seen = now;
                    }
                    TimeUnit.MICROSECONDS.sleep(200);
                }
                long end = System.nanoTime();
                if (process.exitValue() != 0 || firstAt == 0) {
                    throw new IllegalStateException("run " + i + " " + mode + " failed (exit " + process.exitValue()
                            + "): " + Files.readString(dir.resolve("run.log")));
                }
                if (i < 2) {
                    continue; // the first -A and -D warm the page cache
                }
                first.add((double) (firstAt - start));
                span.add((double) (lastAt - firstAt));
                total.add((double) (end - start));
                overhead.add((double) (end - start - (lastAt - firstAt)));
            }
        }
        System.out.printf(Locale.ROOT, "exoip -A/-D against the stand-in over %s, %d runs, launcher %s, EXOIP_JAVA_OPTS=%s%n",
                BenchSetup.tls(args) ? "HTTPS" : "HTTP", runs, String.join(" ", launcher), System.getenv().getOrDefault("EXOIP_JAVA_OPTS", ""));
        System.out.println("1-minute load average at the end: " + BenchSetup.loadAverage());
        System.out.printf(Locale.ROOT, "%-32s %10s %10s%n", "", "median", "p90");
        row("start to first API request", first);
        row("API span (first to last request)", span);
        row("total wall time", total);
        row("overhead (total - API span)", overhead);
    }

    private static void row(String name, List<Double> values) {
        System.out.printf(Locale.ROOT, "%-32s %10s %10s%n", name, BenchSetup.ms(BenchSetup.percentile(values, 50)),
                BenchSetup.ms(BenchSetup.percentile(values, 90)));
    }
}

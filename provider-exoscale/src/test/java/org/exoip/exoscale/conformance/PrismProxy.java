package org.exoip.exoscale.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stoplight Prism in proxy mode, errors on, in front of an upstream (the stand-in), validating
 * every request and answer against Exoscale's official description; a violation is logged by
 * Prism, a request violation also answered 422. Started on an ephemeral loopback port.
 */
final class PrismProxy implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Prism is listening on (http://127\\.0\\.0\\.1:\\d+)");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*m");
    /** Prism's start-up parses a megabyte of description: seconds on a busy machine. */
    private static final Duration START_DEADLINE = Duration.ofSeconds(120);

    private final Process process;
    private final URI base;
    private final Path log;
    private final List<String> lines;
    private final CompletableFuture<Void> ended;

    private PrismProxy(Process process, URI base, Path log, List<String> lines, CompletableFuture<Void> ended) {
        this.process = process;
        this.base = base;
        this.log = log;
        this.lines = lines;
        this.ended = ended;
    }

    /**
     * The official description as Prism must read it to check exoip's traffic: its known quirks
     * adjusted and nothing else. Its paths lack the {@code /v2} that is in its server URL (and on
     * the wire), so they get it; the server is the upstream; action paths ({@code {id}:attach})
     * come last. Prism (5.14) takes {@code :attach} for part of an {@code {id}} when two paths
     * match equally well, and of those it picks the one listed last (it sorts, then reverses).
     */
    static JsonNode forProxy(JsonNode official, URI upstream) {
        ObjectNode copy = official.deepCopy();
        String base = DescriptionComparator.basePath(official);
        Map<String, JsonNode> actions = new LinkedHashMap<>();
        Map<String, JsonNode> plain = new LinkedHashMap<>();
        official.path("paths").fields().forEachRemaining(p ->
                (p.getKey().contains(":") ? actions : plain).put(base + p.getKey(), p.getValue()));
        ObjectNode paths = copy.putObject("paths");
        paths.setAll(plain);
        paths.setAll(actions);
        copy.putArray("servers").addObject().put("url", upstream.toString());
        return copy;
    }

    /** Starts the {@code prism} executable on the adjusted description (written to {@code dir}); waits for it. */
    static PrismProxy start(Path prism, JsonNode official, URI upstream, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path spec = dir.resolve("official-for-proxy.json");
        new ObjectMapper().writeValue(spec.toFile(), forProxy(official, upstream));
        Path log = dir.resolve("prism.log");
        Process process = new ProcessBuilder(prism.toString(), "proxy", "--errors", "--host", "127.0.0.1", "--port",
                "0", spec.toString(), upstream.toString())
                .redirectErrorStream(true)
                .start();
        List<String> lines = new ArrayList<>();
        CompletableFuture<URI> listening = new CompletableFuture<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread reader = new Thread(() -> copyOutput(process, log, lines, listening, ended), "prism-output");
        reader.setDaemon(true);
        reader.start();
        try {
            URI base = listening.get(START_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            return new PrismProxy(process, base, log, lines, ended);
        } catch (TimeoutException | ExecutionException | InterruptedException e) {
            process.destroy();
            throw new IllegalStateException("prism did not start listening within " + START_DEADLINE.toSeconds()
                    + " s (" + (e instanceof ExecutionException ? e.getCause().getMessage() : e)
                    + "); its output is in " + log);
        }
    }

    private static void copyOutput(Process process, Path log, List<String> lines, CompletableFuture<URI> listening,
            CompletableFuture<Void> ended) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String plain = ANSI.matcher(line).replaceAll("");
                out.println(plain);
                synchronized (lines) {
                    lines.add(plain);
                }
                Matcher m = LISTENING.matcher(plain);
                if (m.find()) {
                    listening.complete(URI.create(m.group(1)));
                }
            }
        } catch (IOException e) {
            listening.completeExceptionally(new IllegalStateException("reading prism's output failed: " + e));
        } finally {
            listening.completeExceptionally(new IllegalStateException("prism exited"));
            ended.complete(null);
        }
    }

    /** Where exoip's client is pointed: Prism's address with the API's {@code /v2}. */
    URI apiBase() {
        return URI.create(base + "/v2");
    }

    Path log() {
        return log;
    }

    /**
     * Stops Prism and gives every violation it logged, warnings included (an answer code the
     * description does not list is only a warning), and every request it refused.
     */
    List<String> stopAndCollectViolations() throws InterruptedException {
        close();
        try {
            ended.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("prism's output did not end: " + e);
        }
        synchronized (lines) {
            return lines.stream().filter(l -> l.contains("Violation") || l.contains("✖")).toList();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

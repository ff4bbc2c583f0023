package org.exoip.exoscale.standin;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code exoip standin}: runs the stand-in Exoscale API and metadata server until SIGTERM or
 * SIGINT, for the demo, tests that run exoip as separate processes, and a multi-host test bed.
 */
@Command(name = "standin", mixinStandardHelpOptions = true,
        header = "Serves a stand-in Exoscale API and metadata server, for tests and the demo.",
        description = {
            "Serves a stand-in Exoscale API v2 (under /v2), instance metadata (under /latest/meta-data,"
                    + " answered by the source address) and an unsigned control API (under /_standin/).",
            "Runs until SIGTERM or SIGINT. See standin.md (in docs/ of the source, /usr/share/doc/exoip/ of the"
                    + " package)."},
        exitCodeOnInvalidInput = 2)
public class StandinCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            converter = ListenAddressConverter.class,
            description = "Address to listen on (default: ${DEFAULT-VALUE}); [::1]:8080 for IPv6, port 0 for any.")
    InetSocketAddress listen;

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON file with credentials, security groups, instances, Elastic IPs, zone and"
                    + " operation delay (see docs/standin-example.json).")
    Path config;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "An API key to accept, in addition to those in --config; needs --api-secret-file.")
    String apiKey;

    @Option(names = "--api-secret-file", paramLabel = "FILE",
            description = "File whose first line is the secret of --api-key (kept off the command line,"
                    + " where other users could read it).")
    Path apiSecretFile;

    @Option(names = "--control-from-any-address",
            description = "Answer the control API (/_standin/) from any client, not only loopback"
                    + " (for a test bed whose harness reaches the stand-in over a network).")
    boolean controlFromAnyAddress;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS with this PEM certificate chain (the server's first); needs --tls-key.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The unencrypted PEM PKCS#8 key (BEGIN PRIVATE KEY) of --tls-cert.")
    Path tlsKey;

    @Option(names = "--tls-self-signed",
            description = "Serve HTTPS with a self-signed certificate made at start (for --tls-name); write it out"
                    + " for clients with --tls-write-ca.")
    boolean tlsSelfSigned;

    @Option(names = "--tls-name", paramLabel = "NAME", split = ",",
            description = "With --tls-self-signed: the host names and IP addresses the certificate is for,"
                    + " repeatable or comma-separated (default: 127.0.0.1,localhost).")
    List<String> tlsNames = new ArrayList<>();

    @Option(names = "--tls-write-ca", paramLabel = "FILE",
            description = "Write the served certificate as PEM to FILE, for clients to trust (exoip --api-ca-file).")
    Path tlsWriteCa;

    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile StandinServer running;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if ((apiKey == null) != (apiSecretFile == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--api-key and --api-secret-file go together: give both or neither");
        }
        StandinConfig loaded;
        try {
            loaded = withCommandLineKey(config == null ? StandinConfig.empty() : StandinConfig.load(config));
        } catch (StandinConfigException e) {
            err.println("exoip standin: " + e.getMessage());
            err.flush();
            return 2;
        }
        if (loaded.credentials().isEmpty()) {
            err.println("exoip standin: no API key would be accepted: give --api-key with --api-secret-file,"
                    + " or credentials in --config");
            err.flush();
            return 2;
        }
        StandinServer.Builder builder = StandinServer.builder().config(loaded)
                .controlFromAnyAddress(controlFromAnyAddress);
        StandinTls tls;
        try {
            tls = tls();
        } catch (IllegalArgumentException e) {
            err.println("exoip standin: " + e.getMessage());
            err.flush();
            return 2;
        } catch (IOException e) {
            err.println("exoip standin: cannot make a certificate: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (tls != null) {
            builder.tls(tls);
            if (tlsWriteCa != null) {
                try {
                    tls.writeCertificate(tlsWriteCa);
                } catch (IOException e) {
                    err.println("exoip standin: --tls-write-ca " + tlsWriteCa + ": cannot write it: " + e);
                    err.flush();
                    return 1;
                }
            }
        }
        StandinServer server;
        try {
            server = builder.start(listen);
        } catch (IOException e) {
            err.println("exoip standin: cannot listen on " + listen.getHostString() + ":" + listen.getPort() + ": "
                    + e.getMessage());
            err.flush();
            return 1;
        }
        running = server;
        Thread hook = new Thread(this::stop, "standin-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println("exoip standin listening on " + server.baseUri() + " (API " + server.apiBase() + ", metadata "
                + server.metadataBase() + ", control " + server.baseUri() + "/_standin/)");
        out.flush();
        try {
            stop.await();
        } finally {
            server.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is what stopped us; nothing to remove.
            }
        }
        return 0;
    }

    /** The HTTPS identity the options ask for, or null for plain HTTP; a bad option is a usage error. */
    private StandinTls tls() throws IOException {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tls-cert and --tls-key go together: give both or neither");
        }
        if (tlsSelfSigned && tlsCert != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tls-self-signed excludes --tls-cert and --tls-key: give one or the other");
        }
        if (!tlsNames.isEmpty() && !tlsSelfSigned) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tls-name needs --tls-self-signed");
        }
        if (tlsWriteCa != null && !tlsSelfSigned && tlsCert == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--tls-write-ca needs --tls-self-signed or --tls-cert");
        }
        if (tlsSelfSigned) {
            return StandinTls.selfSigned(tlsNames.isEmpty() ? StandinTls.DEFAULT_NAMES : tlsNames);
        }
        return tlsCert == null ? null : StandinTls.fromPem(tlsCert, tlsKey);
    }

    /** Makes a running {@link #call()} close the server and return 0; the shutdown hook calls it. */
    void stop() {
        stop.countDown();
    }

    /** The server while {@link #call()} runs, else null; for in-process tests. */
    StandinServer server() {
        return running;
    }

    private StandinConfig withCommandLineKey(StandinConfig base) throws StandinConfigException {
        if (apiKey == null) {
            return base;
        }
        List<StandinConfig.Credential> credentials = new ArrayList<>(base.credentials());
        String secret = StandinConfig.readSecret(apiSecretFile, "--api-secret-file");
        credentials.add(new StandinConfig.Credential(apiKey, secret, apiSecretFile.toString()));
        return new StandinConfig(base.zone(), base.operationDelayMs(), credentials, base.securityGroups(),
                base.instances(), base.elasticIps(), base.instancePools(), base.privateNetworks());
    }

    /** Runs {@code standin} directly, outside the {@code exoip} command. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StandinCommand()).execute(args));
    }

    /** {@code host:port} or {@code [v6]:port} to a socket address, without a DNS lookup for literals. */
    static final class ListenAddressConverter implements CommandLine.ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not HOST:PORT (expected e.g. 127.0.0.1:8080 or [::1]:8080)");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(value.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' has no valid port (expected 0 to 65535)");
            }
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                throw new CommandLine.TypeConversionException("'" + value + "': cannot resolve host " + host);
            }
            return address;
        }
    }
}

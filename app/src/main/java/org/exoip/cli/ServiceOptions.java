package org.exoip.cli;

import java.net.Inet4Address;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.exoip.cloud.ApiCallListener;
import org.exoip.cloud.DryRunElasticIpProvider;
import org.exoip.cloud.ElasticIpProvider;
import org.exoip.cloud.ObservedElasticIpProvider;
import org.exoip.logging.LogFormat;
import org.exoip.process.PidFile;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options for running exoip as a service (systemd, containers, Prometheus), beside the
 * original's: metrics, log format, PID file and dry run. A picocli mixin of {@link ExoipCommand};
 * each option also comes from the variable named in {@link EnvironmentDefaults}.
 */
final class ServiceOptions {

    /** The metrics port when {@code --metrics-address} names only the address. */
    static final int DEFAULT_METRICS_PORT = 9573;
    static final String LOG_FORMAT = "--log-format";

    @Option(names = "--metrics-address", paramLabel = "HOST:PORT", converter = MetricsAddress.class,
            description = "With -W, serve Prometheus metrics at http://HOST:PORT/metrics, a health check at "
                    + "/healthz and readiness at /readyz (503 while this node could not take over); off unless "
                    + "given (env: IF_EXOSCALE_METRICS_ADDRESS). HOST is an IPv4 address; "
                    + "':PORT' listens on every address, 'HOST' alone on port " + DEFAULT_METRICS_PORT + ".")
    InetSocketAddress metricsAddress;

    @Option(names = LOG_FORMAT, paramLabel = "FORMAT", defaultValue = "text", converter = Format.class,
            description = "text or json: json writes one JSON object a line on standard output or error "
                    + "(-O), with time, level, node, message and structured fields; syslog stays text "
                    + "(env: IF_EXOSCALE_LOG_FORMAT; default: ${DEFAULT-VALUE}).")
    LogFormat logFormat;

    @Option(names = "--pid-file", paramLabel = "PATH",
            description = "Write the process id to PATH while running, removed at exit "
                    + "(env: IF_EXOSCALE_PID_FILE).")
    Path pidFile;

    // fallbackValue: given, the flag is on even when its variable says true (picocli would flip it off).
    @Option(names = "--dry-run", fallbackValue = "true",
            description = "Read the cloud, but log the attach and detach calls instead of making them "
                    + "(env: IF_EXOSCALE_DRY_RUN=true).")
    boolean dryRun;

    /** The provider to run with: every call observed (logs, metrics), writes only logged under --dry-run. */
    ElasticIpProvider provider(ObservedElasticIpProvider observed) {
        return dryRun ? new DryRunElasticIpProvider(observed) : observed;
    }

    /** Observes the real provider's calls, reporting them to {@code listener}. */
    static ObservedElasticIpProvider observe(ElasticIpProvider real, Inet4Address elasticIp, ApiCallListener listener) {
        return new ObservedElasticIpProvider(real, elasticIp, listener);
    }

    /** Writes the PID file when asked; null otherwise (try-with-resources accepts it). */
    PidFile writePidFile() throws IOException {
        return pidFile == null ? null : PidFile.write(pidFile);
    }

    /** The lines these options add to {@code -n} and {@code -v}. */
    String describe() {
        return "metrics:            " + (metricsAddress == null ? "off"
                    : "http://" + host(metricsAddress) + ":" + metricsAddress.getPort() + "/metrics") + '\n'
                + "log format:         " + logFormat.name().toLowerCase(Locale.ROOT) + '\n'
                + "PID file:           " + (pidFile == null ? "none" : pidFile) + '\n'
                + "dry run:            " + (dryRun ? "yes: attach and detach are only logged" : "no") + '\n';
    }

    static String host(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return ip == null || ip.isAnyLocalAddress() ? "*" : ip.getHostAddress();
    }

    /** {@code IPV4:PORT}, {@code :PORT} or {@code IPV4} (port {@value #DEFAULT_METRICS_PORT}): the listen address's syntax. */
    static final class MetricsAddress implements ITypeConverter<InetSocketAddress> {
        @Override
        public InetSocketAddress convert(String text) {
            return Converters.socketAddress(text, DEFAULT_METRICS_PORT, "(expected IPV4:PORT, :PORT or IPV4, "
                    + "e.g. 127.0.0.1:9573, :9573 or 127.0.0.1)");
        }
    }

    /**
     * The log format asked for, known even when the arguments do not parse (for a usage error): the
     * last {@code --log-format} in {@code args}, else its variable; text unless that says json.
     */
    static LogFormat requestedFormat(String[] args, Optional<String> variable) {
        Optional<String> asked = variable;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(LOG_FORMAT) && i + 1 < args.length) {
                asked = Optional.of(args[i + 1]);
            } else if (args[i].startsWith(LOG_FORMAT + "=")) {
                asked = Optional.of(args[i].substring(LOG_FORMAT.length() + 1));
            }
        }
        try {
            return asked.map(new Format()::convert).orElse(LogFormat.TEXT);
        } catch (TypeConversionException e) {
            return LogFormat.TEXT;
        }
    }

    /** {@code text} or {@code json}, in any case. */
    static final class Format implements ITypeConverter<LogFormat> {
        @Override
        public LogFormat convert(String text) {
            try {
                return LogFormat.valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + text + "' is not a log format (expected text or json)");
            }
        }
    }
}

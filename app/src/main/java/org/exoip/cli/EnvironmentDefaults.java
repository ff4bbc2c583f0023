package org.exoip.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes an option's value from its environment variable when the option is not on the command
 * line, so a flag always wins over its variable. The {@code IF_*} names are those ifupdown exports
 * for an interface stanza's options; they are the original exoip's. It also remembers which
 * variable supplied which option, so that a usage error can name what the operator actually set.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

    /** Option name → environment variables, first found wins. */
    static final Map<String, List<String>> VARIABLES = variables();

    private final Map<String, String> environment;
    /** Option → the variable its value came from, in the last parse. */
    private final Map<ArgSpec, String> supplied = new ConcurrentHashMap<>();

    EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    private static Map<String, List<String>> variables() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("-xi", List.of("IF_ADDRESS"));
        v.put("-xk", List.of("IF_EXOSCALE_API_KEY"));
        v.put("-xs", List.of("IF_EXOSCALE_API_SECRET"));
        v.put("--api-secret-file", List.of("IF_EXOSCALE_API_SECRET_FILE"));
        v.put("-xe", List.of("IF_EXOSCALE_API_ENDPOINT"));
        v.put("--api-ca-file", List.of("IF_EXOSCALE_API_CA_FILE"));
        v.put("-xz", List.of("IF_EXOSCALE_ZONE"));
        v.put("--metadata-url", List.of("IF_EXOSCALE_METADATA_URL"));
        v.put("-i", List.of("IF_EXOSCALE_INSTANCE_ID"));
        v.put("-P", List.of("IF_HOST_PRIORITY"));
        v.put("-l", List.of("IF_BIND_TO", "IF_BIND_ADDRESS"));
        v.put("-p", List.of("IF_EXOSCALE_PEERS"));
        v.put("-G", List.of("IF_EXOSCALE_PEER_GROUP"));
        v.put("--peer-pool", List.of("IF_EXOSCALE_PEER_POOL"));
        v.put("--peer-label", List.of("IF_EXOSCALE_PEER_LABELS"));
        v.put("--peer-network", List.of("IF_EXOSCALE_PEER_NETWORK"));
        v.put("-r", List.of("IF_DEAD_RATIO"));
        v.put("-t", List.of("IF_ADVERTISEMENT_INTERVAL"));
        v.put("--reconcile-interval", List.of("IF_EXOSCALE_RECONCILE_INTERVAL"));
        v.put("--peer-refresh", List.of("IF_EXOSCALE_PEER_REFRESH"));
        v.put("--api-timeout", List.of("IF_EXOSCALE_API_TIMEOUT"));
        v.put("--start-timeout", List.of("IF_EXOSCALE_START_TIMEOUT"));
        v.put("--crash-probe", List.of("IF_EXOSCALE_CRASH_PROBE"));
        v.put("--api-idle-timeout", List.of("IF_EXOSCALE_API_IDLE_TIMEOUT"));
        v.put("--api-keep-warm", List.of("IF_EXOSCALE_API_KEEP_WARM"));
        v.put("--advert-copies", List.of("IF_EXOSCALE_ADVERT_COPIES"));
        v.put("--metrics-address", List.of("IF_EXOSCALE_METRICS_ADDRESS"));
        v.put("--log-format", List.of("IF_EXOSCALE_LOG_FORMAT"));
        v.put("--pid-file", List.of("IF_EXOSCALE_PID_FILE"));
        v.put("--dry-run", List.of("IF_EXOSCALE_DRY_RUN"));
        v.put("--spread", List.of("IF_EXOIP_SPREAD"));
        v.put("--no-preempt", List.of("IF_EXOIP_NO_PREEMPT"));
        v.put(AdvertAuthOptions.KEY_OPTION, List.of("IF_EXOIP_AUTH_KEY_FILE"));
        v.put(AdvertAuthOptions.ACCEPT_OPTION, List.of("IF_EXOIP_AUTH_ACCEPT_KEY_FILE"));
        v.put(HealthOptions.USER_OPTION, List.of("IF_EXOIP_CHECK_USER"));
        v.put(HealthOptions.TRACK_OPTION, List.of("IF_EXOIP_TRACK_FILE"));
        v.put(HealthOptions.NOTIFY_OPTION, List.of("IF_EXOIP_NOTIFY"));
        return Map.copyOf(v);
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option)) {
            return null;
        }
        for (String name : option.names()) {
            for (String variable : VARIABLES.getOrDefault(name, List.of())) {
                String value = environment.get(variable);
                if (value != null && !value.isBlank()) {
                    supplied.put(option, variable);
                    return value.trim();
                }
            }
        }
        return null;
    }

    /** The value the environment has for the option named {@code option}, without a parse (none when unset). */
    Optional<String> value(String option) {
        for (String variable : VARIABLES.getOrDefault(option, List.of())) {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                return Optional.of(value.trim());
            }
        }
        return Optional.empty();
    }

    /**
     * The variable that gave {@code option} its value, if one did. Never for an option given on
     * the command line: picocli asks for a default only for the options that it did not see.
     */
    Optional<String> variable(ArgSpec option) {
        return Optional.ofNullable(option == null ? null : supplied.get(option));
    }

    /**
     * How a message names where {@code option}'s value came from: {@code IF_HOST_PRIORITY (from the
     * environment)} when a variable gave it, else the option itself ({@code -P}).
     */
    String source(OptionSpec option) {
        return variable(option).map(v -> v + " (from the environment)").orElse(option.longestName());
    }

    /** The variable that gave {@code option} its value, else the option itself: {@code IF_BIND_TO} or {@code -l}. */
    String name(OptionSpec option) {
        return variable(option).orElse(option.longestName());
    }

    /** {@code message}, naming the variable instead of the option when a variable gave {@code option} its value. */
    String rename(String message, ArgSpec option) {
        if (!(option instanceof OptionSpec named) || variable(option).isEmpty()) {
            return message;
        }
        // picocli's phrase for an option's value, which this program's own checks use as well.
        return message.replace("option '" + named.longestName() + "'", source(named));
    }

    /** The command line's environment defaults, when they are these (empty for a command without them). */
    static Optional<EnvironmentDefaults> of(picocli.CommandLine cmd) {
        return cmd.getDefaultValueProvider() instanceof EnvironmentDefaults defaults
                ? Optional.of(defaults) : Optional.empty();
    }
}

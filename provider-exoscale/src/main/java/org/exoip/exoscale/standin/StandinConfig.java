package org.exoip.exoscale.standin;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The world a stand-in starts with, and returns to on reset: read from a small JSON file (format
 * in docs/standin.md, example in docs/standin-example.json) or built in code. Immutable.
 *
 * @param zone             the zone the metadata server names; null for {@value StandinState#DEFAULT_ZONE}
 * @param operationDelayMs how long operations stay pending; null for 0
 * @param credentials      accepted API keys
 * @param securityGroups   security groups
 * @param instances        instances; their groups must be listed in {@code securityGroups}, their pool in
 *                         {@code instancePools}
 * @param elasticIps       Elastic IPs, each optionally attached to instances
 * @param instancePools    instance pools; their members name them in {@code instance-pool}
 * @param privateNetworks  managed private networks, with the addresses they lease to instances
 */
public record StandinConfig(
        @JsonProperty("zone") String zone,
        @JsonProperty("operation-delay-ms") Long operationDelayMs,
        @JsonProperty("credentials") List<Credential> credentials,
        @JsonProperty("security-groups") List<SecurityGroupSpec> securityGroups,
        @JsonProperty("instances") List<InstanceSpec> instances,
        @JsonProperty("elastic-ips") List<ElasticIpSpec> elasticIps,
        @JsonProperty("instance-pools") List<InstancePoolSpec> instancePools,
        @JsonProperty("private-networks") List<PrivateNetworkSpec> privateNetworks) {

    /** An API key with its secret, given inline or, better, in a file of its own. */
    public record Credential(
            @JsonProperty("key") String key,
            @JsonProperty("secret") String secret,
            @JsonProperty("secret-file") String secretFile) {
        @Override
        public String toString() {
            return "Credential[key=" + key + ", secret=***]";
        }
    }

    /** A security group; {@code id} and {@code description} are optional. */
    public record SecurityGroupSpec(
            @JsonProperty("id") String id,
            @JsonProperty("name") String name,
            @JsonProperty("description") String description) {
    }

    /**
     * An instance; {@code id} is optional (derived from the name), {@code public-ip} should be set;
     * {@code instance-pool} names the pool (name or id) that manages it; {@code state} is
     * {@code running} unless given.
     */
    public record InstanceSpec(
            @JsonProperty("id") String id,
            @JsonProperty("name") String name,
            @JsonProperty("public-ip") String publicIp,
            @JsonProperty("security-groups") List<String> securityGroups,
            @JsonProperty("labels") Map<String, String> labels,
            @JsonProperty("instance-pool") String instancePool,
            @JsonProperty("state") String state) {
    }

    /** An instance pool; {@code id} is optional, {@code elastic-ips} names Elastic IPs (address or id). */
    public record InstancePoolSpec(
            @JsonProperty("id") String id,
            @JsonProperty("name") String name,
            @JsonProperty("elastic-ips") List<String> elasticIps,
            @JsonProperty("labels") Map<String, String> labels) {
    }

    /**
     * A managed private network: addresses {@code start-ip} to {@code end-ip}, and the leases it
     * has at start; {@code id} and {@code description} are optional.
     */
    public record PrivateNetworkSpec(
            @JsonProperty("id") String id,
            @JsonProperty("name") String name,
            @JsonProperty("description") String description,
            @JsonProperty("start-ip") String startIp,
            @JsonProperty("end-ip") String endIp,
            @JsonProperty("netmask") String netmask,
            @JsonProperty("leases") List<LeaseSpec> leases) {
    }

    /** An address a private network leases to an instance (name or id). */
    public record LeaseSpec(
            @JsonProperty("instance") String instance,
            @JsonProperty("ip") String ip) {
    }

    /** An Elastic IP; {@code attached-to} names instances (name or id) holding it at start. */
    public record ElasticIpSpec(
            @JsonProperty("id") String id,
            @JsonProperty("ip") String ip,
            @JsonProperty("description") String description,
            @JsonProperty("labels") Map<String, String> labels,
            @JsonProperty("attached-to") List<String> attachedTo) {
    }

    public StandinConfig {
        credentials = credentials == null ? List.of() : List.copyOf(credentials);
        securityGroups = securityGroups == null ? List.of() : List.copyOf(securityGroups);
        instances = instances == null ? List.of() : List.copyOf(instances);
        elasticIps = elasticIps == null ? List.of() : List.copyOf(elasticIps);
        instancePools = instancePools == null ? List.of() : List.copyOf(instancePools);
        privateNetworks = privateNetworks == null ? List.of() : List.copyOf(privateNetworks);
    }

    /** No credentials, no resources. */
    public static StandinConfig empty() {
        return new StandinConfig(null, null, null, null, null, null, null, null);
    }

    /**
     * Reads and checks a configuration file; {@code secret-file} paths are relative to its folder.
     *
     * @throws StandinConfigException naming the file and what is wrong in it
     */
    public static StandinConfig load(Path file) throws StandinConfigException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StandinConfigException("cannot read config " + file + ": " + describe(e));
        }
        try {
            return parse(json, file.toAbsolutePath().getParent());
        } catch (StandinConfigException e) {
            throw new StandinConfigException("config " + file + ": " + e.getMessage());
        }
    }

    /**
     * Parses and checks a configuration; secret files are read now, relative to {@code baseDir}.
     *
     * @throws StandinConfigException naming the entry and what is wrong with it
     */
    public static StandinConfig parse(String json, Path baseDir) throws StandinConfigException {
        ObjectMapper mapper = new ObjectMapper()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            // Jackson appends where a bracket opened, with a "Source: REDACTED" note nobody needs.
            throw new StandinConfigException("not valid JSON" + at + ": "
                    + e.getOriginalMessage().replaceFirst("\\s*\\(start marker at .*", ""));
        }
        if (tree == null || tree.isMissingNode()) {
            throw new StandinConfigException("empty (expected a JSON object)");
        }
        StandinConfig parsed;
        try {
            parsed = mapper.treeToValue(tree, StandinConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new StandinConfigException("unknown field \"" + e.getPropertyName() + "\" at " + where(e)
                    + " (known: " + e.getKnownPropertyIds().stream().map(String::valueOf).sorted()
                            .collect(Collectors.joining(", ")) + ")");
        } catch (JsonProcessingException e) {
            throw new StandinConfigException("wrong type at " + where(e) + ": " + e.getOriginalMessage());
        }
        if (parsed == null) {
            throw new StandinConfigException("null (expected a JSON object)");
        }
        StandinConfig resolved = parsed.withSecretsRead(baseDir);
        // Applying to a scratch world finds every reference and value error before anything starts.
        resolved.applyTo(new StandinState(StandinClock.system()));
        return resolved;
    }

    /**
     * Adds this configuration to a state: settings, credentials, groups, Elastic IPs, instance
     * pools, instances, private networks and their leases, and the Elastic IPs' holders (recorded
     * as attach events).
     *
     * @throws StandinConfigException naming the entry and what is wrong with it
     */
    public void applyTo(StandinState state) throws StandinConfigException {
        try {
            if (zone != null) {
                state.setZone(zone);
            }
            if (operationDelayMs != null) {
                state.setOperationDelay(Duration.ofMillis(operationDelayMs));
            }
        } catch (IllegalArgumentException e) {
            throw new StandinConfigException(e.getMessage());
        }
        for (int i = 0; i < credentials.size(); i++) {
            Credential c = credentials.get(i);
            String where = "credentials[" + i + "]";
            if (c.key() == null || c.key().isBlank()) {
                throw new StandinConfigException(where + ": key is missing");
            }
            if (c.secret() == null || c.secret().isBlank()) {
                throw new StandinConfigException(where + " (" + c.key() + "): give secret or secret-file");
            }
            state.addCredential(c.key(), c.secret());
        }
        for (int i = 0; i < securityGroups.size(); i++) {
            SecurityGroupSpec g = securityGroups.get(i);
            String where = "security-groups[" + i + "]" + (g.name() == null ? "" : " (" + g.name() + ")");
            try {
                state.addSecurityGroup(g.id(), g.name(), g.description());
            } catch (IllegalArgumentException e) {
                throw new StandinConfigException(where + ": " + e.getMessage());
            }
        }
        List<StandinState.ElasticIp> eips = new ArrayList<>();
        for (int i = 0; i < elasticIps.size(); i++) {
            ElasticIpSpec spec = elasticIps.get(i);
            try {
                eips.add(state.addElasticIp(spec.id(), spec.ip(), spec.description(), spec.labels()));
            } catch (IllegalArgumentException e) {
                throw new StandinConfigException(eipWhere(i) + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < instancePools.size(); i++) {
            InstancePoolSpec p = instancePools.get(i);
            String where = "instance-pools[" + i + "]" + (p.name() == null ? "" : " (" + p.name() + ")");
            try {
                state.addInstancePool(p.id(), p.name(), p.elasticIps(), p.labels());
            } catch (IllegalArgumentException | NoSuchElementException e) {
                throw new StandinConfigException(where + ": " + e.getMessage());
            }
        }
        Set<String> groupNames = securityGroups.stream().map(SecurityGroupSpec::name).collect(Collectors.toSet());
        for (int i = 0; i < instances.size(); i++) {
            InstanceSpec spec = instances.get(i);
            String where = "instances[" + i + "]" + (spec.name() == null ? "" : " (" + spec.name() + ")");
            List<String> groups = spec.securityGroups() == null ? List.of() : spec.securityGroups();
            for (String group : groups) {
                // Strict here, unlike the Java API: a typo would otherwise make a group of one.
                if (!groupNames.contains(group)) {
                    throw new StandinConfigException(where + ": security group \"" + group
                            + "\" is not listed in security-groups");
                }
            }
            if (spec.instancePool() != null && instancePools.stream().noneMatch(p -> spec.instancePool()
                    .equals(p.name()) || spec.instancePool().equals(p.id()))) {
                throw new StandinConfigException(where + ": instance pool \"" + spec.instancePool()
                        + "\" is not listed in instance-pools");
            }
            try {
                state.addInstance(spec.id(), spec.name(), spec.publicIp(), groups, spec.labels(), spec.instancePool(),
                        spec.state() == null ? "running" : spec.state());
            } catch (IllegalArgumentException | NoSuchElementException e) {
                throw new StandinConfigException(where + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < privateNetworks.size(); i++) {
            PrivateNetworkSpec n = privateNetworks.get(i);
            String where = "private-networks[" + i + "]" + (n.name() == null ? "" : " (" + n.name() + ")");
            try {
                String id = state.addPrivateNetwork(n.id(), n.name(), n.description(), n.startIp(), n.endIp(),
                        n.netmask()).id();
                for (LeaseSpec lease : n.leases() == null ? List.<LeaseSpec>of() : n.leases()) {
                    if (lease.instance() == null || lease.instance().isBlank()) {
                        throw new IllegalArgumentException("a lease names no instance (expected "
                                + "{\"instance\": NAME or ID, \"ip\": ADDRESS})");
                    }
                    state.setLease(id, lease.instance(), lease.ip());
                }
            } catch (IllegalArgumentException | NoSuchElementException e) {
                throw new StandinConfigException(where + ": " + e.getMessage());
            }
        }
        for (int i = 0; i < elasticIps.size(); i++) {
            ElasticIpSpec spec = elasticIps.get(i);
            try {
                for (String holder : spec.attachedTo() == null ? List.<String>of() : spec.attachedTo()) {
                    state.attach(eips.get(i).id(), holder);
                }
            } catch (IllegalArgumentException | NoSuchElementException e) {
                throw new StandinConfigException(eipWhere(i) + ": " + e.getMessage());
            }
        }
    }

    private String eipWhere(int i) {
        ElasticIpSpec spec = elasticIps.get(i);
        return "elastic-ips[" + i + "]" + (spec.ip() == null ? "" : " (" + spec.ip() + ")");
    }

    private StandinConfig withSecretsRead(Path baseDir) throws StandinConfigException {
        List<Credential> read = new ArrayList<>();
        for (int i = 0; i < credentials.size(); i++) {
            Credential c = credentials.get(i);
            String where = "credentials[" + i + "]" + (c.key() == null ? "" : " (" + c.key() + ")");
            if (c.secret() != null && c.secretFile() != null) {
                throw new StandinConfigException(where + ": give secret or secret-file, not both");
            }
            if (c.secretFile() == null) {
                read.add(c);
                continue;
            }
            Path file = baseDir == null ? Path.of(c.secretFile()) : baseDir.resolve(c.secretFile());
            read.add(new Credential(c.key(), readSecret(file, where), c.secretFile()));
        }
        return new StandinConfig(zone, operationDelayMs, read, securityGroups, instances, elasticIps, instancePools,
                privateNetworks);
    }

    /**
     * The secret in a file: its first line, without surrounding blanks, so a file written by
     * {@code echo} works.
     */
    static String readSecret(Path file, String what) throws StandinConfigException {
        try {
            String secret = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (secret.isEmpty()) {
                throw new StandinConfigException(what + ": secret file " + file + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new StandinConfigException(what + ": cannot read secret file " + file + ": " + describe(e));
        }
    }

    private static String where(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException mapping)) {
            return "the top level";
        }
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : mapping.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "the top level" : path.toString();
    }

    private static String describe(IOException e) {
        // NoSuchFileException's message is only the path; name the kind of failure too.
        return e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}

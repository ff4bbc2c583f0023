package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.exoip.cloud.CloudException;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The command line run in-process: flags, variables, checks, messages and exit codes. */
class ExoipCommandTest {

    private static final String SECRET = "s3cr3t-VALUE-never-printed";
    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");

    private final Map<String, String> env = new HashMap<>();
    private final InMemoryElasticIpProvider cloud = new InMemoryElasticIpProvider();
    private CloudConnector connector = (config, known) -> new CloudConnector.Cloud(SELF, cloud, Optional.empty());
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path tmp;

    private CommandLine cmd() {
        CommandLine cmd = ExoipCommand.commandLine(env, connector, SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd;
    }

    private int run(String... args) {
        return cmd().execute(args);
    }

    /** Parses and checks the arguments, returning the configuration (usage errors propagate). */
    private Configuration parse(String... args) {
        CommandLine cmd = cmd();
        cmd.parseArgs(args);
        return ((ExoipCommand) cmd.getCommand()).configuration();
    }

    private static String[] watch(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("-W", "-xi", "198.51.100.50", "-xk", "EXOkey",
                "-xs", SECRET, "-p", "192.0.2.2"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void versionIsPrinted() {
        assertEquals(0, run("-version"));
        assertTrue(out.toString().startsWith("exoip 0."), out.toString());
    }

    @Test
    void helpNamesEveryVariable() {
        assertEquals(0, run("--help"));
        for (List<String> variables : EnvironmentDefaults.VARIABLES.values()) {
            for (String variable : variables) {
                assertTrue(out.toString().contains(variable), variable + " missing from help:\n" + out);
            }
        }
    }

    @Test
    void defaultsAreTheOriginals() {
        Configuration c = parse(watch());
        assertEquals(Mode.WATCH, c.mode());
        assertEquals(10, c.priority());
        assertEquals(3, c.deadRatio());
        assertEquals(Duration.ofSeconds(1), c.interval());
        assertEquals(new InetSocketAddress(12345), c.listen());
        assertEquals(Duration.ofSeconds(60), c.reconcileInterval());
        assertEquals("https://api-ch-gva-2.exoscale.com/v2", c.endpointFor("ch-gva-2").toString());
        assertEquals("http://169.254.169.254/latest/meta-data", c.metadataUrl().toString());
        assertEquals(Optional.empty(), c.instanceId());
        assertEquals(Path.of("/dev/log"), c.syslogSocket());
    }

    @Test
    void everyVariableIsRead() throws Exception {
        Path secretFile = Files.writeString(tmp.resolve("secret"), SECRET + "\n");
        env.put("IF_ADDRESS", "198.51.100.7");
        env.put("IF_EXOSCALE_API_KEY", "EXOfromenv");
        env.put("IF_EXOSCALE_API_SECRET_FILE", secretFile.toString());
        env.put("IF_EXOSCALE_API_ENDPOINT", "http://127.0.0.1:8080/v2");
        env.put("IF_EXOSCALE_ZONE", "de-fra-1");
        env.put("IF_EXOSCALE_METADATA_URL", "http://127.0.0.1:8080/latest/meta-data");
        env.put("IF_EXOSCALE_INSTANCE_ID", SELF.toString());
        env.put("IF_HOST_PRIORITY", "42");
        env.put("IF_BIND_ADDRESS", "127.0.0.9:4000");
        env.put("IF_EXOSCALE_PEERS", "192.0.2.2, node-b.example.net");
        env.put("IF_DEAD_RATIO", "5");
        env.put("IF_ADVERTISEMENT_INTERVAL", "0.2");
        env.put("IF_EXOSCALE_RECONCILE_INTERVAL", "30s");
        env.put("IF_EXOSCALE_PEER_REFRESH", "10");
        env.put("IF_EXOSCALE_API_TIMEOUT", "2500ms");
        env.put("IF_EXOSCALE_ADVERT_COPIES", "3");
        Configuration c = parse("-W");
        assertEquals("198.51.100.7", c.elasticIp().getHostAddress());
        assertEquals("EXOfromenv", c.apiKey());
        assertEquals(SECRET, c.apiSecret().reveal());
        assertEquals("http://127.0.0.1:8080/v2", c.endpointFor("x").toString());
        assertEquals(Optional.of("de-fra-1"), c.zone());
        assertEquals("http://127.0.0.1:8080/latest/meta-data", c.metadataUrl().toString());
        assertEquals(Optional.of(SELF), c.instanceId());
        assertEquals(42, c.priority());
        assertEquals(new InetSocketAddress("127.0.0.9", 4000), c.listen());
        assertEquals(List.of("192.0.2.2", "node-b.example.net"), c.peers());
        assertEquals(5, c.deadRatio());
        assertEquals(Duration.ofMillis(200), c.interval());
        assertEquals(Duration.ofSeconds(30), c.reconcileInterval());
        assertEquals(Duration.ofSeconds(10), c.peerRefresh());
        assertEquals(Duration.ofMillis(2500), c.apiTimeout());
        assertEquals(3, c.advertCopies());

        env.put("IF_BIND_TO", ":5000");
        assertEquals(new InetSocketAddress(5000), parse("-W").listen(), "IF_BIND_TO wins over IF_BIND_ADDRESS");
        env.remove("IF_EXOSCALE_PEERS");
        env.put("IF_EXOSCALE_PEER_GROUP", "exoip-peers");
        assertEquals(Optional.of("exoip-peers"), parse("-W").peerGroup());
        env.remove("IF_EXOSCALE_API_SECRET_FILE");
        env.put("IF_EXOSCALE_API_SECRET", "from-variable");
        assertEquals("from-variable", parse("-W").apiSecret().reveal());
    }

    @Test
    void aFlagWinsOverItsVariable() {
        env.put("IF_HOST_PRIORITY", "50");
        env.put("IF_ADDRESS", "198.51.100.99");
        env.put("IF_ADVERTISEMENT_INTERVAL", "5");
        Configuration c = parse(watch("-P", "20", "-t", "100ms"));
        assertEquals(20, c.priority());
        assertEquals("198.51.100.50", c.elasticIp().getHostAddress());
        assertEquals(Duration.ofMillis(100), c.interval());
    }

    @ParameterizedTest
    @CsvSource({"1,1000", "0.2,200", ".5,500", "200ms,200", "2s,2000", "10ms,10", "0.01,10", "1.5s,1500"})
    void intervalForms(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), parse(watch("-t", text)).interval());
    }

    @Test
    void peersAreRepeatableAndCommaSeparated() {
        Configuration c = parse(watch("-p", "192.0.2.3,192.0.2.4", "-p", "node-e:12345"));
        assertEquals(List.of("192.0.2.2", "192.0.2.3", "192.0.2.4", "node-e"), c.peers());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-t|0|'-t'|minimum of 10ms",
        "-t|5ms|'-t'|minimum of 10ms",
        "-t|abc|'-t'|expected seconds such as 1 or 0.2",
        "-t|-1|'-t'|not a duration",
        "-r|0|'-r'|is below 1",
        "-r|1.5|'-r'|not a whole number",
        "-r|1000000|'-r'|'1000000' is above the maximum of 100",
        "-t|99999999999|'-t'|'99999999999' is longer than the maximum of 255s",
        "-t|256|'-t'|maximum of 255s",
        "--reconcile-interval|99999999999|'--reconcile-interval'|longer than the maximum of 365 days",
        "-p|999.0.0.1|'-p'|'999.0.0.1' is not an IPv4 address (expected four numbers from 0 to 255",
        "-p|192.0.2|'-p'|'192.0.2' is not an IPv4 address",
        "-xi|2001:db8::1|'-xi'|'2001:db8::1' is an IPv6 address: IPv6 Elastic IPs are not supported yet",
        "-xi|198.51.100.50/24|'-xi'|'198.51.100.50/24' has prefix length /24, but an Elastic IP is a single address "
                + "(expected 198.51.100.50 or 198.51.100.50/32)",
        "-xi|198.51.100.50/x|'-xi'|'198.51.100.50/x' is not an IPv4 address",
        "-xi|::ffff:198.51.100.50|'-xi'|'::ffff:198.51.100.50' is an IPv6 address",
        "-xi|198.51.100.50:1:2|'-xi'|'198.51.100.50:1:2' has priority '1:2'",
        "-P|256|'-P'|0..255",
        "-P|-1|'-P'|0..255",
        "-P|high|'-P'|not a whole number",
        "--advert-copies|0|'--advert-copies'|from 1 to 5",
        "--advert-copies|6|'--advert-copies'|from 1 to 5",
        "-xi|300.1.1.1|'-xi'|IPv4 address",
        "-xi|eip.example.com|'-xi'|IPv4 address",
        "-xi|198.051.100.50|'-xi'|IPv4 address",
        "-i|not-a-uuid|'-i'|not a UUID",
        "-l|:99999|'-l'|outside 1..65535",
        "-l|host:80|'-l'|IPv4",
        "-xe|ftp://x/v2|'-xe'|http(s) URL",
        "-xz|Zurich|'-xz'|zone name",
        "-p|bad_name!|'-p'|host name or IPv4 address",
        "-p|192.0.2.5:999|'-p'|same port",
        "--reconcile-interval|0|'--reconcile-interval'|longer than 0",
    })
    void badValuesAreNamedWithWhatWasExpected(String flag, String value, String named, String expected) {
        String[] args = watch(flag, value);
        assertEquals(2, run(args), err.toString());
        String message = err.toString();
        assertTrue(message.contains(named), "names the flag: " + message);
        assertTrue(message.contains(expected), "says what was expected: " + message);
        assertFalse(message.contains("\tat "), "no stack trace: " + message);
    }

    @Test
    void aBadVariableIsReportedToo() {
        env.put("IF_ADVERTISEMENT_INTERVAL", "0");
        assertEquals(2, run(watch()));
        assertTrue(err.toString().contains("IF_ADVERTISEMENT_INTERVAL (from the environment)"), err.toString());
    }

    /** A watchdog configured by variables alone, as ifupdown and systemd's environment files do. */
    private void watchdogEnvironment() {
        env.put("IF_ADDRESS", "198.51.100.50");
        env.put("IF_EXOSCALE_API_KEY", "EXOkey");
        env.put("IF_EXOSCALE_API_SECRET", SECRET);
        env.put("IF_EXOSCALE_PEERS", "192.0.2.2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "IF_HOST_PRIORITY|abc|Invalid value for IF_HOST_PRIORITY (from the environment): 'abc' is not a whole "
                + "number (expected a priority from 0 (best) to 255)",
        "IF_HOST_PRIORITY|300|Invalid value for IF_HOST_PRIORITY (from the environment): '300' is outside 0..255",
        "IF_ADVERTISEMENT_INTERVAL|5ms|Invalid value for IF_ADVERTISEMENT_INTERVAL (from the environment): '5ms' is "
                + "shorter than the minimum of 10ms",
        "IF_ADDRESS|eip.example.com|Invalid value for IF_ADDRESS (from the environment): 'eip.example.com' is not an "
                + "IPv4 address",
        "IF_BIND_ADDRESS|host:80|Invalid value for IF_BIND_ADDRESS (from the environment): 'host' is not an IPv4",
        "IF_BIND_TO|:99999|Invalid value for IF_BIND_TO (from the environment): ':99999' has port 99999 outside",
        "IF_DEAD_RATIO|0|Invalid value for IF_DEAD_RATIO (from the environment): '0' is below 1",
        "IF_EXOSCALE_ZONE|Zurich|Invalid value for IF_EXOSCALE_ZONE (from the environment): 'Zurich' is not a zone name",
        "IF_EXOSCALE_PEERS|192.0.2.2,bad_name!|Invalid value for IF_EXOSCALE_PEERS (from the environment): "
                + "'bad_name!' is not a host name or IPv4 address",
        "IF_EXOSCALE_METRICS_ADDRESS|9573|Invalid value for IF_EXOSCALE_METRICS_ADDRESS (from the environment): "
                + "'9573' is not an IPv4 address",
        "IF_EXOSCALE_DRY_RUN|maybe|Invalid value for IF_EXOSCALE_DRY_RUN (from the environment): 'maybe' is not a "
                + "boolean (expected true/false, yes/no, on/off or 1/0)",
        "IF_ADDRESS|198.51.100.50/31|Invalid value for IF_ADDRESS (from the environment): '198.51.100.50/31' has "
                + "prefix length /31, but an Elastic IP is a single address",
        "IF_ADDRESS|2001:db8::1/128|Invalid value for IF_ADDRESS (from the environment): '2001:db8::1/128' is an IPv6 "
                + "address: IPv6 Elastic IPs are not supported yet",
    })
    void aBadVariableIsNamedNotItsFlag(String variable, String value, String message) {
        watchdogEnvironment();
        env.put(variable, value);
        assertEquals(2, run("-W"), err.toString());
        assertTrue(err.toString().startsWith("exoip: " + message), err.toString());
        assertFalse(err.toString().contains("option '"), "the variable, not the flag: " + err);
    }

    @Test
    void aBadFlagIsNamedAsTheFlagEvenWhenItsVariableIsBadToo() {
        watchdogEnvironment();
        env.put("IF_HOST_PRIORITY", "abc");
        assertEquals(0, run("-W", "-n", "-P", "20"), "the flag wins: its variable is not even read");
        assertEquals(2, run("-W", "-P", "xyz"));
        assertTrue(err.toString().contains("Invalid value for option '-P': 'xyz' is not a whole number"), err.toString());
        assertFalse(err.toString().contains("IF_HOST_PRIORITY"), err.toString());
    }

    @Test
    void crossChecksNameWhereEachValueCameFrom() {
        watchdogEnvironment();
        env.put("IF_EXOSCALE_PEER_GROUP", "exoip-peers");
        assertEquals(2, run("-W"));
        assertTrue(err.toString().contains("exoip: IF_EXOSCALE_PEERS (from the environment) and IF_EXOSCALE_PEER_GROUP "
                + "(from the environment) exclude each other"), err.toString());
        env.remove("IF_EXOSCALE_PEER_GROUP");
        assertEquals(2, run("-W", "-G", "exoip-peers"));
        assertTrue(err.toString().contains("exoip: IF_EXOSCALE_PEERS (from the environment) and -G exclude each other"),
                err.toString());
        env.put("IF_BIND_TO", ":4000");
        env.put("IF_EXOSCALE_PEERS", "192.0.2.5:12345");
        assertEquals(2, run("-W"));
        assertTrue(err.toString().contains("exoip: Invalid value for IF_EXOSCALE_PEERS (from the environment): "
                + "'192.0.2.5:12345' names port 12345, but every peer listens on the same port as this node (4000, "
                + "from IF_BIND_TO)"), err.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-W --log-format json --bogus|Unknown option: '--bogus'",
        "-W --bogus --log-format=JSON|Unknown option: '--bogus'",
        "-W --log-format json -P 256|Invalid value for option '-P': '256' is outside 0..255",
        "-A --log-format json|missing the API secret",
    })
    void inJsonModeAUsageErrorIsOneJsonObject(String args, String message) throws Exception {
        env.put("IF_ADDRESS", "198.51.100.50");
        env.put("IF_EXOSCALE_API_KEY", "EXOkey");
        assertEquals(2, run(args.split(" ")));
        JsonNode line = onlyJsonLine(err.toString());
        assertEquals("ERROR", line.get("level").asText(), line.toString());
        assertTrue(line.get("message").asText().startsWith(message), line.toString());
        assertEquals(2, line.get("exit_code").intValue(), line.toString());
        assertTrue(line.get("exit_code").isNumber(), line.toString());
        assertEquals("Try 'exoip --help' for the options.", line.get("hint").asText(), line.toString());
        assertEquals("", out.toString());
    }

    @Test
    void theVariableAsksForJsonUsageErrorsToo() throws Exception {
        watchdogEnvironment();
        env.put("IF_EXOSCALE_LOG_FORMAT", "json");
        env.put("IF_HOST_PRIORITY", "abc");
        assertEquals(2, run("-W"));
        assertTrue(onlyJsonLine(err.toString()).get("message").asText()
                .startsWith("Invalid value for IF_HOST_PRIORITY (from the environment)"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run("-W", "--log-format", "text", "-P", "abc"));
        assertTrue(err.toString().startsWith("exoip: Invalid value for option '-P'"), "the flag wins: " + err);
    }

    /** The one line of {@code text}, parsed as JSON (fails unless there is exactly one and it parses). */
    static JsonNode onlyJsonLine(String text) throws Exception {
        List<String> lines = text.lines().toList();
        assertEquals(1, lines.size(), text);
        return new ObjectMapper().readTree(lines.get(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-xi 198.51.100.50 -xk k -xs s|exactly one of -A (attach), -D (detach) or -W (watchdog) is required",
        "-A -W -xi 198.51.100.50 -xk k -xs s -p 192.0.2.2|exclude each other",
        "-A -xk k -xs s|missing the Elastic IP",
        "-A -xi 198.51.100.50 -xs s|missing the API key",
        "-A -xi 198.51.100.50 -xk k|missing the API secret",
        "-W -xi 198.51.100.50 -xk k -xs s -p 192.0.2.2 --peer-pool web|-p and --peer-pool exclude each other",
        "-W -xi 198.51.100.50 -xk k -xs s -p 192.0.2.2 -G grp|-p and -G exclude each other",
        "-W -xi 198.51.100.50 -xk k -xs s -p 192.0.2.2 --bogus|Unknown option",
    })
    void usageErrorsExitTwo(String args, String message) {
        assertEquals(2, run(args.split(" ")));
        assertTrue(err.toString().contains(message), err.toString());
    }

    @Test
    void secretFileProblemsAreUsageErrors() throws Exception {
        assertEquals(2, run("-A", "-xi", "198.51.100.50", "-xk", "k", "--api-secret-file", tmp.resolve("none").toString()));
        assertTrue(err.toString().contains("cannot read " + tmp.resolve("none") + ": does not exist"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
        Path empty = Files.createFile(tmp.resolve("empty"));
        assertEquals(2, run("-A", "-xi", "198.51.100.50", "-xk", "k", "--api-secret-file", empty.toString()));
        assertTrue(err.toString().contains("is empty"), err.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-xs S --api-secret-file F||-xs and --api-secret-file exclude each other",
        "-xs S|IF_EXOSCALE_API_SECRET_FILE|-xs and IF_EXOSCALE_API_SECRET_FILE (--api-secret-file) exclude each other",
        "--api-secret-file F|IF_EXOSCALE_API_SECRET|IF_EXOSCALE_API_SECRET (-xs) and --api-secret-file exclude",
        "|IF_EXOSCALE_API_SECRET IF_EXOSCALE_API_SECRET_FILE|IF_EXOSCALE_API_SECRET (-xs) and "
                + "IF_EXOSCALE_API_SECRET_FILE (--api-secret-file) exclude each other",
    })
    void anInlineSecretAndASecretFileExcludeEachOther(String flags, String variables, String expected)
            throws Exception {
        Path secretFile = Files.writeString(tmp.resolve("secret"), SECRET);
        if (variables != null) {
            for (String variable : variables.split(" ")) {
                env.put(variable, variable.endsWith("_FILE") ? secretFile.toString() : SECRET);
            }
        }
        List<String> args = new java.util.ArrayList<>(List.of("-n", "-A", "-xi", "198.51.100.50", "-xk", "k"));
        if (flags != null) {
            for (String arg : flags.split(" ")) {
                args.add(arg.equals("S") ? SECRET : arg.equals("F") ? secretFile.toString() : arg);
            }
        }
        assertEquals(2, run(args.toArray(String[]::new)), err.toString());
        assertTrue(err.toString().contains(expected), err.toString());
        assertFalse(err.toString().contains(SECRET), err.toString());
    }

    @Test
    void theSecretComesFromTheSystemdCredentialWhenNoneIsGiven() throws Exception {
        // As systemd lays it out for LoadCredential=api-secret:...: a directory with one file per credential.
        Path credentials = Files.createDirectory(tmp.resolve("credentials"));
        Files.writeString(credentials.resolve("api-secret"), SECRET + "\n");
        env.put("CREDENTIALS_DIRECTORY", credentials.toString());
        assertEquals(SECRET, parse("-A", "-xi", "198.51.100.50", "-xk", "k").apiSecret().reveal());
        // A secret given explicitly wins over the credential.
        assertEquals("explicit", parse("-A", "-xi", "198.51.100.50", "-xk", "k", "-xs", "explicit")
                .apiSecret().reveal());
        Path file = Files.writeString(tmp.resolve("file"), "from-file");
        env.put("IF_EXOSCALE_API_SECRET_FILE", file.toString());
        assertEquals("from-file", parse("-A", "-xi", "198.51.100.50", "-xk", "k").apiSecret().reveal());
    }

    @Test
    void aMissingOrEmptyCredentialIsAUsageError() throws Exception {
        Path credentials = Files.createDirectory(tmp.resolve("credentials"));
        env.put("CREDENTIALS_DIRECTORY", credentials.toString());
        assertEquals(2, run("-n", "-A", "-xi", "198.51.100.50", "-xk", "k"));
        assertTrue(err.toString().contains("missing the API secret"), err.toString());
        assertTrue(err.toString().contains("systemd credential api-secret"), err.toString());
        Files.createFile(credentials.resolve("api-secret"));
        err.getBuffer().setLength(0);
        assertEquals(2, run("-n", "-A", "-xi", "198.51.100.50", "-xk", "k"));
        assertTrue(err.toString().contains("the systemd credential api-secret: " + credentials.resolve("api-secret")
                + " is empty"), err.toString());
    }

    @Test
    void checkOnlyPrintsTheConfigurationWithTheSecretMasked() throws Exception {
        Path secretFile = Files.writeString(tmp.resolve("secret"), SECRET);
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));
        assertEquals(0, run("-n", "-v", "-W", "-xi", "198.51.100.50", "-xk", "EXOkey", "--api-secret-file",
                secretFile.toString(), "-G", "exoip-peers"));
        assertTrue(out.toString().startsWith("Configuration is valid."), out.toString());
        assertTrue(out.toString().contains("security group exoip-peers"), out.toString());
        assertTrue(out.toString().contains("API secret:         ***"), out.toString());
        assertFalse(out.toString().contains(SECRET));
        assertEquals(0, cloud.calls(), "-n contacts nothing");
    }

    @Test
    void attachAndDetachOnceAreIdempotent() {
        String[] common = {"-O", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", SECRET};
        assertEquals(0, run(concat("-A", common)));
        assertEquals(Set.of(SELF), cloud.currentHolders());
        int writes = cloud.writes();
        assertEquals(0, run(concat("-A", common)));
        assertEquals(writes, cloud.writes(), "already attached: no write call");
        assertEquals(0, run(concat("-D", common)));
        assertEquals(Set.of(), cloud.currentHolders());
        assertEquals(0, run(concat("-D", common)));
        assertEquals(writes + 1, cloud.writes(), "already detached: no write call");
    }

    @Test
    void aCloudFailureExitsOneWithOneLine() {
        connector = (config, known) -> {
            throw new CloudException("reading the instance id from http://127.0.0.1:1/latest/meta-data failed: "
                    + "connection refused", false);
        };
        assertEquals(1, run("-A", "-O", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", SECRET));
        assertTrue(err.toString().contains("connection refused"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
        assertFalse(err.toString().contains(SECRET), err.toString());
    }

    @Test
    void aWatchdogWhoseCloudRefusesItForGoodDoesNotStart() {
        connector = (config, known) -> new CloudConnector.Cloud(SELF, new org.exoip.cloud.ElasticIpProvider() {
            @Override
            public Set<UUID> holders() throws CloudException {
                throw new CloudException("list instances holding 198.51.100.50 failed: 403 Invalid request signature",
                        false);
            }

            @Override
            public void attach(UUID instance) {
                throw new AssertionError("no write after a refusal");
            }

            @Override
            public void detach(UUID instance) {
                throw new AssertionError("no write after a refusal");
            }
        }, Optional.empty());
        assertEquals(1, run(watch("-O", "-l", "127.0.0.1:12399")));
        assertTrue(err.toString().contains("403 Invalid request signature"), err.toString());
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @Test
    void theCrashProbeIsOnUnlessTurnedOffByFlagOrVariable() {
        CommandLine on = cmd();
        on.parseArgs(watch());
        assertTrue(((ExoipCommand) on.getCommand()).crashProbe);
        CommandLine off = cmd();
        off.parseArgs(watch("--no-crash-probe"));
        assertFalse(((ExoipCommand) off.getCommand()).crashProbe);
        env.put("IF_EXOSCALE_CRASH_PROBE", "false");
        CommandLine fromEnv = cmd();
        fromEnv.parseArgs(watch());
        assertFalse(((ExoipCommand) fromEnv.getCommand()).crashProbe);
        CommandLine flagWins = cmd();
        flagWins.parseArgs(watch("--crash-probe"));
        assertTrue(((ExoipCommand) flagWins.getCommand()).crashProbe);
    }

    @Test
    void severalElasticIpsRepeatedOrCommaSeparatedEachWithItsPriority() {
        Configuration c = parse(watch("-xi", "198.51.100.51:20, 198.51.100.52", "--spread", "--no-preempt"));
        assertEquals(List.of("198.51.100.50", "198.51.100.51", "198.51.100.52"),
                c.elasticIps().list().stream().map(java.net.Inet4Address::getHostAddress).toList());
        assertEquals(java.util.OptionalInt.empty(), c.elasticIps().addresses().get(0).priority());
        assertEquals(java.util.OptionalInt.of(20), c.elasticIps().addresses().get(1).priority());
        assertTrue(c.elasticIps().spread());
        assertTrue(c.elasticIps().noPreempt());
        assertEquals("198.51.100.50", c.elasticIp().getHostAddress(), "the first is the node's address");
    }

    @Test
    void ifAddressMayListSeveralAndTheBooleansHaveVariables() {
        watchdogEnvironment();
        env.put("IF_ADDRESS", "198.51.100.50 198.51.100.51:5");
        env.put("IF_EXOIP_SPREAD", "true");
        Configuration c = parse("-W");
        assertEquals(2, c.elasticIps().addresses().size());
        assertEquals(java.util.OptionalInt.of(5), c.elasticIps().addresses().get(1).priority());
        assertTrue(c.elasticIps().spread());
        assertTrue(!c.elasticIps().noPreempt());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "198.51.100.50,198.51.100.50|Invalid value for option '-xi': Elastic IP 198.51.100.50 given twice",
        "198.51.100.50:300|Invalid value for option '-xi': '198.51.100.50:300' has priority '300' (expected: 0 to "
                + "255, e.g. 198.51.100.50:10)",
        "198.51.100.50:x|Invalid value for option '-xi': '198.51.100.50:x' has priority 'x'",
        "eip.example.com:10|Invalid value for option '-xi': 'eip.example.com' is not an IPv4 address",
    })
    void aBadElasticIpListIsOneLineNamingWhatIsWrong(String value, String message) {
        assertEquals(2, run("-n", "-W", "-xi", value, "-xk", "EXOkey", "-xs", SECRET, "-p", "192.0.2.2"));
        assertTrue(err.toString().startsWith("exoip: " + message), err.toString());
        assertEquals(1, err.toString().lines().filter(l -> l.startsWith("exoip: ")).count(), err.toString());
    }

    /** ifupdown exports {@code address 198.51.100.50/32} as {@code IF_ADDRESS=198.51.100.50/32}. */
    @Test
    void anElasticIpMayCarryTheSlash32ThatIfupdownPassesOn() {
        watchdogEnvironment();
        env.put("IF_ADDRESS", "198.51.100.50/32");
        assertEquals("198.51.100.50", parse("-W").elasticIp().getHostAddress());
        env.put("IF_ADDRESS", "198.51.100.50/32:5, 198.51.100.51/32");
        Configuration c = parse("-W");
        assertEquals(List.of("198.51.100.50", "198.51.100.51"),
                c.elasticIps().list().stream().map(java.net.Inet4Address::getHostAddress).toList());
        assertEquals(java.util.OptionalInt.of(5), c.elasticIps().addresses().get(0).priority());
        assertEquals(0, run("-n", "-A", "-xi", "198.51.100.50/32", "-xk", "k", "-xs", SECRET), err.toString());
    }

    @ParameterizedTest
    @CsvSource({"true,true", "TRUE,true", "yes,true", "Yes,true", "on,true", "1,true",
        "false,false", "no,false", "OFF,false", "0,false"})
    void booleansTakeTheWordsEnvironmentFilesUse(String word, boolean expected) {
        watchdogEnvironment();
        env.put("IF_EXOIP_SPREAD", word);
        env.put("IF_EXOSCALE_CRASH_PROBE", word);
        env.put("IF_EXOIP_NO_PREEMPT", word);
        env.put("IF_EXOSCALE_DRY_RUN", word);
        Configuration c = parse("-W");
        assertEquals(expected, c.elasticIps().noPreempt());
        assertEquals(expected, c.elasticIps().spread());
        CommandLine cmd = cmd();
        cmd.parseArgs("-W");
        assertEquals(expected, ((ExoipCommand) cmd.getCommand()).crashProbe);
        CommandLine flags = cmd();
        flags.parseArgs("-W", "--spread", "--no-preempt", "--dry-run", "--no-crash-probe");
        ExoipCommand given = flags.getCommand();
        assertTrue(given.spread && given.noPreempt && given.service.dryRun,
                "a flag given is on, whatever its variable says");
        assertFalse(given.crashProbe);
    }

    @Test
    void helpIsACommandTooAndASubcommandsUsageErrorPointsToItsOwnHelp() {
        assertEquals(0, run("help"), err.toString());
        assertTrue(out.toString().contains("Usage: exoip -A|-D"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("help", "standin"), err.toString());
        assertTrue(out.toString().contains("--listen"), out.toString());
        assertEquals(2, run("standin", "--bogus"));
        assertEquals(List.of("exoip: Unknown option: '--bogus'", "Try 'exoip standin --help' for the options."),
                err.toString().lines().toList());
    }

    @Test
    void theUsageFitsEightyColumnsAndStartsWithText() {
        assertEquals(0, run("-h"));
        List<String> lines = out.toString().lines().toList();
        assertFalse(lines.get(0).isBlank(), "starts with an empty line:\n" + out);
        lines.forEach(l -> assertTrue(l.length() <= 80, "longer than 80 columns: " + l));
        int usage = lines.indexOf(lines.stream().filter(l -> l.startsWith("Usage: ")).findFirst().orElseThrow());
        for (String line : lines.subList(usage + 1, usage + 8)) {
            assertTrue(line.startsWith("       "), "a synopsis line wrapped to column 0: " + line);
        }
    }

    @Test
    void aPriorityPerAddressIsForTheWatchdogOnly() {
        assertEquals(2, run("-n", "-A", "-xi", "198.51.100.50:10", "-xk", "k", "-xs", SECRET));
        assertTrue(err.toString().startsWith("exoip: Invalid value for option '-xi': a priority (ADDRESS:PRIORITY) "
                + "is for -W only"), err.toString());
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** --peer-pool and --peer-label (and their variables): parsed, checked against -p and -G, described. */
class PeerOptionsTest {

    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");

    private final Map<String, String> env = new HashMap<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine cmd() {
        CommandLine cmd = ExoipCommand.commandLine(env, (config, known) -> new CloudConnector.Cloud(SELF,
                new InMemoryElasticIpProvider(), Optional.empty()), SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd;
    }

    private Configuration parse(String... more) {
        CommandLine cmd = cmd();
        cmd.parseArgs(watch(more));
        return ((ExoipCommand) cmd.getCommand()).configuration();
    }

    private static String[] watch(String... more) {
        List<String> args = new ArrayList<>(List.of("-W", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", "secret"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void poolAndLabelsFromFlagsAndVariables() {
        assertEquals(Optional.of("web"), parse("--peer-pool", " web ").peerPool());
        assertEquals(List.of("role", "env"), List.copyOf(parse("--peer-label", "role=exoip,env=prod").peerLabels()
                .keySet()));
        assertEquals(Map.of("role", "exoip", "env", "prod", "empty", ""),
                parse("--peer-label", "role=exoip", "--peer-label", "env=prod,empty=").peerLabels());

        env.put("IF_EXOSCALE_PEER_POOL", "exoip-pool");
        assertEquals(Optional.of("exoip-pool"), parse().peerPool());
        env.clear();
        env.put("IF_EXOSCALE_PEER_LABELS", "role=exoip, env=prod");
        assertEquals(Map.of("role", "exoip", "env", "prod"), parse().peerLabels());
        assertEquals(Map.of("tier", "db"), parse("--peer-label", "tier=db").peerLabels(), "the flag wins");
    }

    @Test
    void noPeerOptionIsValidAndMeansThisInstancesPool() {
        Configuration c = parse();
        assertEquals(List.of(), c.peers());
        assertTrue(c.peerPool().isEmpty() && c.peerGroup().isEmpty() && c.peerLabels().isEmpty());
        assertTrue(c.describe().contains("peers:              this instance's instance pool"), c.describe());
        assertTrue(parse("--peer-pool", "web").describe().contains("peers:              instance pool web"));
        assertTrue(parse("--peer-label", "a=b,c=d").describe().contains("instances labelled a=b,c=d"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-G grp --peer-pool web|-G and --peer-pool exclude each other: give one of -p (peers), -G (security group), "
                + "--peer-pool (instance pool) or --peer-label (labels)",
        "-p 192.0.2.2 --peer-label a=b|-p and --peer-label exclude each other",
        "--peer-pool web --peer-label a=b|--peer-pool and --peer-label exclude each other",
        "--peer-label role|Invalid value for option '--peer-label': 'role' is not KEY=VALUE (expected e.g. role=exoip",
        "--peer-label =exoip|'=exoip' is not KEY=VALUE",
        "--peer-label a=b,a=c|label 'a' is given twice, as 'b' and 'c'",
    })
    void mistakesAreUsageErrorsNamingTheOptions(String args, String message) {
        assertEquals(2, cmd().execute(watch(args.split(" "))));
        assertTrue(err.toString().contains(message), err.toString());
    }

    @Test
    void aMistakeInTheVariableIsNamedByIt() {
        env.put("IF_EXOSCALE_PEER_LABELS", "role");
        assertEquals(2, cmd().execute(watch()));
        assertTrue(err.toString().contains("Invalid value for IF_EXOSCALE_PEER_LABELS (from the environment): 'role' "
                + "is not KEY=VALUE"), err.toString());
        env.clear();
        env.put("IF_EXOSCALE_PEER_POOL", "web");
        assertEquals(2, cmd().execute(watch("-G", "grp")));
        assertTrue(err.toString().contains("-G and IF_EXOSCALE_PEER_POOL (from the environment) exclude each other"),
                err.toString());
    }

    @Test
    void aPeerNetworkCombinesWithEveryCloudSourceButNotWithPeerAddresses() {
        assertEquals(Optional.of("exoip-net"), parse("--peer-network", " exoip-net ").peerNetwork());
        assertEquals(Optional.of("exoip-net"), parse("-G", "grp", "--peer-network", "exoip-net").peerNetwork());
        assertEquals(Optional.of("n"), parse("--peer-pool", "web", "--peer-network", "n").peerNetwork());
        assertEquals(Optional.of("n"), parse("--peer-label", "a=b", "--peer-network", "n").peerNetwork());
        assertTrue(parse("--peer-network", "exoip-net").describe().contains("peer network:       exoip-net (the peers "
                + "at their leases, this node listening on its own)"), parse("--peer-network", "n").describe());
        assertTrue(parse("--peer-network", "n", "-l", "10.0.0.5:12345").describe().contains(
                "peer network:       n (the peers at their leases)\n"));
        assertEquals(Optional.empty(), parse().peerNetwork());
        env.put("IF_EXOSCALE_PEER_NETWORK", "from-env");
        assertEquals(Optional.of("from-env"), parse().peerNetwork());
        assertEquals(Optional.of("flag"), parse("--peer-network", "flag").peerNetwork(), "the flag wins");

        assertEquals(2, cmd().execute(watch("-p", "10.0.0.2")));
        assertTrue(err.toString().contains("-p and IF_EXOSCALE_PEER_NETWORK (from the environment) exclude each "
                + "other: -p gives the peers' addresses already (private ones too); --peer-network addresses the "
                + "members of -G, --peer-pool, --peer-label or this instance's pool by their leases"), err.toString());
        env.clear();
        assertEquals(2, cmd().execute(watch("-p", "10.0.0.2", "--peer-network", "n")));
        assertTrue(err.toString().contains("-p and --peer-network exclude each other"), err.toString());
        assertTrue(!err.toString().contains("\tat "), "no stack trace: " + err);
    }
}

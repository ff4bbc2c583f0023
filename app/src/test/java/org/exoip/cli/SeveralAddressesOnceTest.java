package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.exoip.cloud.ElasticIpProviders;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.logging.LogTarget;
import org.exoip.logging.Logging;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code -A} and {@code -D} with several Elastic IPs move each one; one that fails does not stop the others. */
class SeveralAddressesOnceTest {

    private static final UUID SELF = UUID.fromString("1128bd56-b4d9-4ac6-a7b9-c715b187ce11");

    private final InMemoryElasticIpProvider first = new InMemoryElasticIpProvider();
    private final InMemoryElasticIpProvider second = new InMemoryElasticIpProvider();
    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    @AfterEach
    void logAsTheOtherTestsDo() {
        Logging.configure(LogTarget.STDOUT, Level.INFO, "exoip");
    }

    private int run(String mode) throws Exception {
        Map<Inet4Address, InMemoryElasticIpProvider> providers = Map.of(
                (Inet4Address) InetAddress.getByName("198.51.100.50"), first,
                (Inet4Address) InetAddress.getByName("198.51.100.51"), second);
        CloudConnector connector = (config, known) -> new CloudConnector.Cloud(SELF, ElasticIpProviders.of(providers),
                Optional.empty(), secret -> { });
        List<String> args = new ArrayList<>(List.of(mode, "-O", "-xi", "198.51.100.50,198.51.100.51", "-xk", "EXOkey",
                "-xs", "secret", "-i", SELF.toString(), "-xz", "ch-gva-2"));
        return ExoipCommand.commandLine(Map.of(), connector, SignalInstaller.NONE,
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8)).execute(args.toArray(String[]::new));
    }

    @Test
    void attachesAndDetachesEach() throws Exception {
        assertEquals(0, run("-A"));
        assertEquals(Set.of(SELF), first.currentHolders());
        assertEquals(Set.of(SELF), second.currentHolders());
        String out = outBytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("Attached the Elastic IP 198.51.100.51 to this instance"), out);

        assertEquals(0, run("-D"));
        assertEquals(Set.of(), first.currentHolders());
        assertEquals(Set.of(), second.currentHolders());
    }

    @Test
    void oneThatFailsIsNamedOnceAndTheOtherIsStillMoved() throws Exception {
        first.refuseNext(5, 403);
        assertEquals(1, run("-A"));
        assertEquals(Set.of(SELF), second.currentHolders(), "the second address is attached all the same");
        String err = errBytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, err.lines().filter(l -> l.startsWith("exoip: Elastic IP 198.51.100.50: ")).count(), err);
        String out = outBytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().filter(l -> l.contains("ERROR") && l.contains("Elastic IP 198.51.100.50: ")).count(),
                out);
    }
}

package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.exoip.exoscale.ExoscaleClient;
import org.exoip.exoscale.MetadataClient;
import org.exoip.exoscale.standin.StandinServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * Every Exoscale zone is accepted everywhere a zone name is checked: the command line, the
 * metadata client (against the stand-in's metadata server on loopback), the API client and the
 * stand-in itself.
 */
class ZonesTest {

    /** The official API description's {@code servers} enum (reference/official/exoscale-openapi.json). */
    @ParameterizedTest
    @ValueSource(strings = {"at-vie-1", "at-vie-2", "bg-sof-1", "ch-dk-2", "ch-gva-2", "de-fra-1", "de-muc-1",
            "hr-zag-1"})
    void everyOfficialZoneIsAccepted(String zone) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = ExoipCommand.commandLine(Map.of(), (config, known) -> new CloudConnector.Cloud(
                UUID.randomUUID(), new InMemoryElasticIpProvider(), Optional.empty()), SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        assertEquals(0, cmd.execute("-n", "-A", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", "secret",
                "-xz", zone), err.toString());
        assertTrue(out.toString().contains(zone), out.toString());

        assertEquals("https://api-" + zone + ".exoscale.com/v2", ExoscaleClient.endpointOf(zone).toString());
        assertEquals(ExoscaleClient.endpointOf(zone), ExoscaleClient.builder().zone(zone).apiKey("EXOkey")
                .apiSecret("secret").build().endpoint());

        try (StandinServer standin = StandinServer.start(new InetSocketAddress("127.0.0.1", 0))) {
            standin.state().setZone(zone);
            standin.state().addInstance("node-1", "127.0.0.1", "exoip");
            MetadataClient metadata = MetadataClient.builder().base(standin.metadataBase()).build();
            assertEquals(zone, metadata.availabilityZone());
        }
    }
}

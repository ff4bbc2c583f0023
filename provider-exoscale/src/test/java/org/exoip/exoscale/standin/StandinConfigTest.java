package org.exoip.exoscale.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration file: the shipped example works, and every mistake is named. */
class StandinConfigTest {

    @TempDir
    Path dir;

    @Test
    void shippedExampleLoads() throws Exception {
        Path example = findUpwards(Path.of("docs", "standin-example.json"));
        StandinState state = new StandinState(StandinClock.system());
        StandinConfig.load(example).applyTo(state);
        assertEquals(3, state.instances().size());
        assertEquals("exoip", state.securityGroups().get(0).name());
        assertEquals("192.0.2.10", state.elasticIps().get(0).ip());
        assertEquals(3, state.poolMembers(state.instancePools().get(0).id()).size());
        assertEquals(3, state.privateNetworks().get(0).leases().size(), "-W --peer-network exoip-net works against it");
        assertEquals(Duration.ofMillis(500), state.operationDelay());
        assertTrue(state.secretOf("EXOstandin00000000000000001").isPresent());
    }

    @Test
    void readsSecretFilesRelativeToTheConfigAndKeepsThemOutOfToString() throws Exception {
        Files.writeString(dir.resolve("key.secret"), "s3cret-value\n");
        Path file = dir.resolve("standin.json");
        Files.writeString(file, "{\"credentials\":[{\"key\":\"EXOk\",\"secret-file\":\"key.secret\"}],"
                + "\"instances\":[{\"id\":\"0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a\",\"name\":\"a\",\"public-ip\":\"127.0.0.1\"}],"
                + "\"elastic-ips\":[{\"ip\":\"192.0.2.1\",\"attached-to\":[\"a\"]}]}");
        StandinConfig config = StandinConfig.load(file);
        StandinState state = new StandinState(StandinClock.system());
        config.applyTo(state);
        assertEquals("s3cret-value", state.secretOf("EXOk").orElseThrow());
        assertFalse(config.toString().contains("s3cret-value"));
        assertEquals(Set.of("0b12cb6b-7e3e-4c0e-9e10-1e5d8a7c4b2a"), state.holders(state.elasticIps().get(0).id()));
    }

    @Test
    void derivedIdsAreStable() throws Exception {
        String json = "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\"}],\"elastic-ips\":[{\"ip\":\"192.0.2.1\"}]}";
        StandinState one = new StandinState(StandinClock.system());
        StandinState two = new StandinState(StandinClock.system());
        StandinConfig.parse(json, null).applyTo(one);
        StandinConfig.parse(json, null).applyTo(two);
        assertEquals(one.instances(), two.instances());
        assertEquals(one.elasticIps(), two.elasticIps());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"instances\":[{\"name\":\"a\",\"colour\":\"red\"}]}|unknown field \"colour\" at instances[0]",
        "{\"instances\":[{\"name\":\"a\"}|not valid JSON at line 1",
        "{\"operation-delay-ms\":\"soon\"}|wrong type at operation-delay-ms",
        "{\"zone\":\"geneva\"}|zone \"geneva\" is not a zone name",
        "{\"operation-delay-ms\":-1}|operation delay",
        "{\"credentials\":[{\"secret\":\"s\"}]}|credentials[0]: key is missing",
        "{\"credentials\":[{\"key\":\"k\"}]}|credentials[0] (k): give secret or secret-file",
        "{\"credentials\":[{\"key\":\"k\",\"secret\":\"s\",\"secret-file\":\"f\"}]}|not both",
        "{\"credentials\":[{\"key\":\"k\",\"secret-file\":\"missing.secret\"}]}|cannot read secret file",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\",\"security-groups\":[\"exiop\"]}]}|instances[0] (a): security group \"exiop\" is not listed",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"localhost\"}]}|instances[0] (a): \"localhost\" is not an IP address",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\"},{\"name\":\"a\",\"public-ip\":\"127.0.0.2\"}]}|instances[1] (a): id",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\"},{\"name\":\"b\",\"public-ip\":\"127.0.0.1\"}]}|already used by instance a",
        "{\"instances\":[{\"id\":\"nope\",\"name\":\"a\",\"public-ip\":\"127.0.0.1\"}]}|\"nope\" is not a UUID",
        "{\"elastic-ips\":[{\"ip\":\"192.0.2.300\"}]}|elastic-ips[0] (192.0.2.300)",
        "{\"elastic-ips\":[{\"ip\":\"192.0.2.1\",\"attached-to\":[\"ghost\"]}]}|no instance ghost",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\",\"instance-pool\":\"web\"}]}|instances[0] (a): instance pool \"web\" is not listed in instance-pools",
        "{\"instances\":[{\"name\":\"a\",\"public-ip\":\"127.0.0.1\",\"state\":\"asleep\"}]}|instances[0] (a): instance state \"asleep\"",
        "{\"instance-pools\":[{\"name\":\"web\",\"elastic-ips\":[\"192.0.2.9\"]}]}|instance-pools[0] (web): no Elastic IP 192.0.2.9",
        "[]|wrong type at the top level",
        "''|empty",
    })
    void namesWhatIsWrong(String json, String expected) {
        StandinConfigException e = assertThrows(StandinConfigException.class,
                () -> StandinConfig.parse(json.equals("''") ? "" : json, dir));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void loadNamesTheFile() {
        StandinConfigException e = assertThrows(StandinConfigException.class,
                () -> StandinConfig.load(dir.resolve("absent.json")));
        assertTrue(e.getMessage().contains("absent.json: no such file"), e.getMessage());
    }

    static Path findUpwards(Path relative) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(relative))) {
                return d.resolve(relative);
            }
        }
        throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
    }
}

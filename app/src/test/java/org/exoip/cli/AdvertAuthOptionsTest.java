package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.exoip.cloud.InMemoryElasticIpProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** --auth-key-file and --auth-accept-key-file: what is refused, with which message and exit code. */
class AdvertAuthOptionsTest {

    private static final String KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private static final String SHORT_KEY = "short-secret-key-24bytes";

    private final Map<String, String> env = new HashMap<>();
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path tmp;

    private int run(String... more) {
        List<String> args = new ArrayList<>(List.of("-n", "-W", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs",
                "api-secret-value", "-p", "192.0.2.2"));
        args.addAll(List.of(more));
        CommandLine cmd = ExoipCommand.commandLine(env, (config, known) -> new CloudConnector.Cloud(
                UUID.randomUUID(), new InMemoryElasticIpProvider(), Optional.empty()), SignalInstaller.NONE);
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args.toArray(String[]::new));
    }

    private Path keyFile(String name, String content, String mode) throws Exception {
        Path file = Files.writeString(tmp.resolve(name), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aGoodKeyFileIsAccepted() throws Exception {
        Path key = keyFile("key", KEY + "\n", "rw-------");
        assertEquals(0, run("--auth-key-file", key.toString()), err.toString());
        assertEquals("", err.toString());
    }

    @Test
    void trailingLineEndsAreNotPartOfTheKey() throws Exception {
        byte[] expected = KEY.getBytes(StandardCharsets.US_ASCII);
        for (String ending : List.of("", "\n", "\r\n", "\n\n")) {
            Path file = keyFile("key" + ending.length() + ending.hashCode(), KEY + ending, "rw-r-----");
            assertArrayEquals(expected, AdvertAuthOptions.KeyFile.read(file), ending.replace("\n", "\\n"));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "missing||rw-------|does not exist",
        "empty||rw-------|is empty",
        "newline|NL|rw-------|is empty",
        "short|" + SHORT_KEY + "|rw-------|holds a key of 24 bytes, too short (expected: at least 32 bytes",
        "world|" + KEY + "|rw-r--r--|is readable by every user (mode rw-r--r--; expected: no access for others",
        "writable|" + KEY + "|rw-rw--w-|is writable by every user",
    })
    void aBadKeyFileIsAUsageErrorNamingTheOption(String name, String content, String mode, String expected)
            throws Exception {
        Path file = name.equals("missing") ? tmp.resolve(name) : keyFile(name,
                content == null ? "" : content.replace("NL", "\n"), mode);
        for (String option : List.of("--auth-key-file", "--auth-accept-key-file")) {
            Path good = keyFile("good", KEY, "rw-------");
            String[] args = option.equals("--auth-key-file") ? new String[] {option, file.toString()}
                    : new String[] {"--auth-key-file", good.toString(), option, file.toString()};
            err.getBuffer().setLength(0);
            assertEquals(2, run(args), err.toString());
            String message = err.toString();
            assertTrue(message.contains("Invalid value for option '" + option + "': " + file), message);
            assertTrue(message.contains(expected), message);
            assertFalse(message.contains(SHORT_KEY) || message.contains(KEY), "never the key: " + message);
            assertFalse(message.contains("\tat "), message);
            Files.delete(good);
        }
    }

    @Test
    void theVariablesAreRead() throws Exception {
        env.put("IF_EXOIP_AUTH_KEY_FILE", keyFile("key", KEY, "rw-------").toString());
        env.put("IF_EXOIP_AUTH_ACCEPT_KEY_FILE", tmp.resolve("absent").toString());
        assertEquals(2, run());
        assertTrue(err.toString().contains("'--auth-accept-key-file'"), err.toString());
        env.put("IF_EXOIP_AUTH_ACCEPT_KEY_FILE", keyFile("next", KEY.toUpperCase(), "r--------").toString());
        assertEquals(0, run(), err.toString());
    }

    @Test
    void anAcceptedKeyNeedsASigningKey() throws Exception {
        assertEquals(2, run("--auth-accept-key-file", keyFile("next", KEY, "rw-------").toString()));
        assertTrue(err.toString().contains("--auth-accept-key-file needs --auth-key-file"), err.toString());
    }

    @Test
    void attachAndDetachIgnoreTheKeyAsTheySendNoAdverts() {
        // ifupdown exports the stanza's options to the up and down commands too.
        env.put("IF_EXOIP_AUTH_KEY_FILE", tmp.resolve("absent").toString());
        CommandLine cmd = ExoipCommand.commandLine(env, (config, known) -> new CloudConnector.Cloud(
                UUID.randomUUID(), new InMemoryElasticIpProvider(), Optional.empty()), SignalInstaller.NONE);
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("-n", "-A", "-xi", "198.51.100.50", "-xk", "EXOkey", "-xs", "api-secret-value"),
                err.toString());
    }
}

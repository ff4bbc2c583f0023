package org.exoip.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The app module compiles with -XDignore.symbol.file, which quiets javac's "internal proprietary
 * API" warning for sun.misc.Signal; it would quiet it for any other such use too. So the one user
 * of sun.* in the main code stays ProcessSignals: another one must be seen and decided on.
 */
class ProcessSignalsSourceTest {

    private static final Pattern PROPRIETARY = Pattern.compile("(?<![\\w.])sun\\.");

    @Test
    void processSignalsIsTheOneUserOfSunApisInTheMainCode() throws IOException {
        Path main = Path.of("src", "main", "java");
        List<String> users;
        try (Stream<Path> files = Files.walk(main)) {
            users = files.filter(f -> f.toString().endsWith(".java")).filter(f -> {
                try {
                    return PROPRIETARY.matcher(Files.readString(f)).find();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(f -> main.relativize(f).toString()).sorted().toList();
        }
        assertEquals(List.of("org/exoip/cli/ProcessSignals.java"), users);
    }
}

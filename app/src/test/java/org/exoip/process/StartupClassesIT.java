package org.exoip.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the packaged program loads to start: no XML parser (log4j2's start-up configuration is built in code). */
class StartupClassesIT {

    @Test
    void startingLoadsNoXmlParser() throws Exception {
        String jar = Path.of(System.getProperty("exoip.jar", "target/exoip.jar")).toAbsolutePath().toString();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xlog:class+load=info", "-jar", jar, "-n", "-W", "-xi", "198.51.100.50",
                "-xk", "EXOkey", "-xs", "not-a-secret", "-p", "127.0.0.2", "-i", "11111111-1111-4111-8111-111111111111",
                "-xz", "ch-gva-2");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), out);
        assertTrue(out.contains("Configuration is valid"), out);
        assertTrue(out.contains("org.exoip.logging.StartupConfigurationFactory"), "the class-load log is there");
        assertTrue(out.lines().noneMatch(l -> l.contains(" javax.xml.parsers.") || l.contains(" org.xml.sax.")),
                "an XML parser was loaded");
    }
}

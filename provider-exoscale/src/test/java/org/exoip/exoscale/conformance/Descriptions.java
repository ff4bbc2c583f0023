package org.exoip.exoscale.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where our OpenAPI subset and Exoscale's official description live, and reading them. */
final class Descriptions {

    /** Names the official description's file when it is not at its usual place. */
    static final String OFFICIAL_PROPERTY = "exoip.official-openapi";

    static final Path OURS_IN_REPOSITORY = Path.of("provider-exoscale", "src", "main", "openapi", "exoscale-v2.yaml");
    /** Relative to the repository root: the shared references sit beside the checkout. */
    static final Path OFFICIAL_BESIDE_REPOSITORY = Path.of("..", "shared", "reference", "official",
            "exoscale-openapi.json");

    private Descriptions() {
    }

    /** The repository root: the first folder up from the working directory that holds our description. */
    static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(OURS_IN_REPOSITORY))) {
                return dir;
            }
        }
        throw new IllegalStateException("no folder from " + start + " upwards holds " + OURS_IN_REPOSITORY);
    }

    static Path ours() {
        return repositoryRoot().resolve(OURS_IN_REPOSITORY);
    }

    /** The official file: the system property's, else {@code ../shared/...} beside the repository root. */
    static Path official() {
        return named().orElseGet(() -> repositoryRoot().resolve(OFFICIAL_BESIDE_REPOSITORY).normalize());
    }

    /**
     * The file the system property, or else the variable {@value #OFFICIAL_VARIABLE}, names, if one
     * does: a run that names it (.ci/run, run-prism) must have it, where a run that does not may
     * lack it (a clone outside this workplace).
     */
    static Optional<Path> named() {
        String named = System.getProperty(OFFICIAL_PROPERTY, "");
        if (named.isBlank()) {
            named = Optional.ofNullable(System.getenv(OFFICIAL_VARIABLE)).orElse("");
        }
        return named.isBlank() ? Optional.empty() : Optional.of(Path.of(named).toAbsolutePath());
    }

    /** The variable .ci/run names the official description with, so that it runs README's test command as it is. */
    static final String OFFICIAL_VARIABLE = "EXOIP_OFFICIAL_OPENAPI";

    /** Reads a YAML or JSON description (JSON is YAML). */
    static JsonNode read(Path file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}

package org.exoip.exoscale.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our OpenAPI subset ({@code exoscale-v2.yaml}, from which the client is generated) agrees with
 * Exoscale's official description on every operation, parameter and field it has; the rules are
 * {@link DescriptionComparator}'s.
 */
class OfficialDescriptionTest {

    @Test
    void everyOperationOfOursMatchesTheOfficialDescription() {
        Path official = Descriptions.official();
        if (!Files.isRegularFile(official)) {
            fail("official OpenAPI description not found at " + official + " (expected Exoscale's exoscale-openapi.json"
                    + " there, or its path in -D" + Descriptions.OFFICIAL_PROPERTY + "=FILE)");
        }
        Path ours = Descriptions.ours();

        List<String> differences = DescriptionComparator.compare(Descriptions.read(ours), Descriptions.read(official));

        if (!differences.isEmpty()) {
            fail(differences.size() + " difference(s) between " + ours + " and " + official + ":\n  "
                    + String.join("\n  ", differences));
        }
    }
}

package org.exoip.exoscale.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Our OpenAPI subset ({@code exoscale-v2.yaml}, from which the client is generated) agrees with
 * Exoscale's official description on every operation, parameter and field it has; the rules are
 * {@link DescriptionComparator}'s.
 *
 * <p>The official file is not in the repository: a run that names it with
 * {@code -Dexoip.official-openapi=FILE} or {@code EXOIP_OFFICIAL_OPENAPI=FILE} (as .ci/run does)
 * fails without it; a run that does not
 * looks for it at {@code ../shared/reference/official/exoscale-openapi.json} beside the checkout,
 * and is skipped, with one line saying so, where it is not there (a clone anywhere else).
 */
class OfficialDescriptionTest {

    @Test
    void everyOperationOfOursMatchesTheOfficialDescription() {
        Path official = Descriptions.official();
        if (!Files.isRegularFile(official)) {
            String expected = "official OpenAPI description not found at " + official
                    + " (expected Exoscale's exoscale-openapi.json there";
            if (Descriptions.named().isPresent()) {
                fail(expected + ", as -D" + Descriptions.OFFICIAL_PROPERTY + " says)");
            }
            String skipped = "OfficialDescriptionTest skipped: " + expected + "); to run it, give the file with"
                    + " -D" + Descriptions.OFFICIAL_PROPERTY + "=FILE";
            // Surefire counts a skip but does not print its reason: say it once on the console.
            System.out.println(skipped);
            Assumptions.abort(skipped);
        }
        Path ours = Descriptions.ours();

        List<String> differences = DescriptionComparator.compare(Descriptions.read(ours), Descriptions.read(official));

        if (!differences.isEmpty()) {
            fail(differences.size() + " difference(s) between " + ours + " and " + official + ":\n  "
                    + String.join("\n  ", differences));
        }
    }
}

package org.exoip.cli;

import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.exoip.cloud.CloudException;

/** The cloud side on Exoscale's API v2: metadata for self and zone, the signed API client. */
final class ExoscaleConnector implements CloudConnector {

    @Override
    public Cloud connect(Configuration config, Supplier<Set<UUID>> knownInstances) throws CloudException {
        throw new CloudException("the Exoscale provider is not wired yet", false);
    }
}

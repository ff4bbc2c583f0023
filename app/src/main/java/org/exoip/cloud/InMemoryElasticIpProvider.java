package org.exoip.cloud;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A cloud in memory: one Elastic IP and the instances holding it. Used by tests and demos to run
 * the engine without an API. It can be told to fail the next calls, and it keeps a journal of
 * every change so tests can check that the Elastic IP was never left without a holder.
 *
 * <p>Thread-safe: every method is synchronized. Several engines may share one instance.
 */
public final class InMemoryElasticIpProvider implements ElasticIpProvider {

    /** One change of holders. */
    public record Change(String call, UUID instance, Set<UUID> holdersAfter, long nanos) {
    }

    private final Set<UUID> holders = new LinkedHashSet<>();
    private final List<Change> journal = new ArrayList<>();
    /** The claim label, when {@link #keepClaims} is on; null while none was written. */
    private Claim claim;
    private boolean claims;
    private int failuresToInject;
    private int refusalsToInject;
    private int refusalStatus;
    private int calls;
    private int writes;

    @Override
    public synchronized Set<UUID> holders() throws CloudException {
        failIfAsked("list holders");
        return Set.copyOf(holders);
    }

    /** Keeps claims as the real API keeps labels (off by default: the adverts alone decide, as in older tests). */
    public synchronized InMemoryElasticIpProvider keepClaims() {
        claims = true;
        return this;
    }

    @Override
    public synchronized Optional<Claim> readClaim() throws CloudException {
        if (!claims) {
            return Optional.empty();
        }
        failIfAsked("read claim");
        return Optional.ofNullable(claim);
    }

    @Override
    public synchronized void writeClaim(Claim written) throws CloudException {
        if (!claims) {
            return;
        }
        failIfAsked("write claim " + written.encode());
        writes++;
        claim = written;
        journal.add(new Change("claim", written.owner(), Set.copyOf(holders), System.nanoTime()));
    }

    /** The claim now (tests). */
    public synchronized Optional<Claim> currentClaim() {
        return Optional.ofNullable(claim);
    }

    /** Sets the claim as another writer would (tests). */
    public synchronized void setClaim(Claim value) {
        claim = value;
    }

    @Override
    public synchronized void attach(UUID instance) throws CloudException {
        failIfAsked("attach " + instance);
        writes++;
        if (holders.add(instance)) {
            journal.add(new Change("attach", instance, Set.copyOf(holders), System.nanoTime()));
        }
    }

    @Override
    public synchronized void detach(UUID instance) throws CloudException {
        failIfAsked("detach " + instance);
        writes++;
        if (holders.remove(instance)) {
            journal.add(new Change("detach", instance, Set.copyOf(holders), System.nanoTime()));
        }
    }

    private void failIfAsked(String what) throws CloudException {
        calls++;
        if (failuresToInject > 0) {
            failuresToInject--;
            throw new CloudException(what + " failed: injected failure", true);
        }
        if (refusalsToInject > 0) {
            refusalsToInject--;
            throw new CloudException(what + " failed: " + refusalStatus + " refused (injected)", false, refusalStatus,
                    null);
        }
    }

    /** Makes the next {@code count} calls fail with a refusal of this HTTP status (401, 403, 404). */
    public synchronized void refuseNext(int count, int status) {
        refusalsToInject = count;
        refusalStatus = status;
    }

    /** Makes the next {@code count} calls fail with a retryable error. */
    public synchronized void failNext(int count) {
        failuresToInject = count;
    }

    /** Sets the holders directly, as an outside change would (not journalled as a call). */
    public synchronized void setHolders(Set<UUID> instances) {
        holders.clear();
        holders.addAll(instances);
        journal.add(new Change("outside", null, Set.copyOf(holders), System.nanoTime()));
    }

    public synchronized Set<UUID> currentHolders() {
        return Set.copyOf(holders);
    }

    public synchronized List<Change> journal() {
        return List.copyOf(journal);
    }

    /** Calls made so far, failed ones included. */
    public synchronized int calls() {
        return calls;
    }

    /** Attach and detach calls that reached the cloud. */
    public synchronized int writes() {
        return writes;
    }
}

package io.meshwork.orchestrator.tasks;

/**
 * RFC 0016's JobBidV1, as far as selection reads it.
 *
 * @param currentLoad the executor's own report of how busy it is (running and queued over slots)
 * @param moduleCached whether the executor has the module compiled already
 * @param taskSlots how many tasks the executor runs at once
 */
public record Offer(
    String executorDid, long price, double currentLoad, boolean moduleCached, int taskSlots) {}

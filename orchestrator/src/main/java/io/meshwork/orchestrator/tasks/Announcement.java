package io.meshwork.orchestrator.tasks;

/**
 * RFC 0016's JobAnnouncementV1: a task offered to the executors for bids.
 *
 * @param maxPrice the most the job can pay for it now
 * @param announcementId unique per announcement, so an executor can tell rebroadcasts apart
 */
public record Announcement(
    String taskId,
    String originatorDid,
    String moduleCid,
    long inputSize,
    String inputCid,
    Limits limits,
    String operationType,
    long maxPrice,
    int timeoutMs,
    long timestamp,
    String announcementId) {}

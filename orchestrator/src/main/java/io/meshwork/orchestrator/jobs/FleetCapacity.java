package io.meshwork.orchestrator.jobs;

/**
 * The capacity of the executors that answer right now, added up.
 *
 * @param currentLoad running and queued tasks over task slots
 */
public record FleetCapacity(
    int cpuCores, long ramMb, float currentLoad, int liveExecutors, int taskSlots) {}

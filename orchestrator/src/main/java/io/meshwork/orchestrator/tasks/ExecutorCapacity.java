package io.meshwork.orchestrator.tasks;

/** What an executor reports of its size and how busy it is right now. */
public record ExecutorCapacity(
    String executorDid,
    int cpuCores,
    long ramMb,
    double currentLoad,
    int taskSlots,
    int runningTasks,
    int queuedTasks) {}

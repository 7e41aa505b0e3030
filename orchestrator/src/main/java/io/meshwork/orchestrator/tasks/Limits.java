package io.meshwork.orchestrator.tasks;

/**
 * The resource limits one run of a task is held to, after the operator's defaults and caps.
 *
 * @param fuel instructions the run may execute, in the sandbox's fuel unit
 * @param memoryBytes linear memory the module may grow to
 * @param wallTimeMs how long the run may take
 * @param stackBytes the sandbox thread's stack
 * @param maxOutputBytes the largest result the run may return
 */
public record Limits(
    long fuel, long memoryBytes, int wallTimeMs, long stackBytes, long maxOutputBytes) {}

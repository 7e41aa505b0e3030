package io.meshwork.orchestrator.tasks;

/**
 * An executor's answer to an assignment.
 *
 * @param reasonCode with a refusal, its code: BUSY (full since it bid), MODULE_MISSING (the module
 *     must be sent along), or another refusal
 * @param queued the task waits for a slot there (work stealing may take it back)
 * @param inlineResult the result itself, when the task ended within the inline wait; else null
 */
public record AssignAnswer(
    boolean accepted, String reason, String reasonCode, boolean queued, TaskResult inlineResult) {}

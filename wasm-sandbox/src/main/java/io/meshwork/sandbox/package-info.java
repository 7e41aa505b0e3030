/**
 * The sandbox's API: compile a job module once, then run it in fresh instances under limits.
 *
 * <p>Callers use only this package: a {@link io.meshwork.sandbox.WasmEngine} from its factory, the
 * {@link io.meshwork.sandbox.SandboxLimits} of a call (fuel, memory, wall time, stack, input and
 * output), what a call returns or why it failed in the job ABI's terms, and a {@link
 * io.meshwork.sandbox.ModuleCache} of compiled modules. Chicory stays behind it, in {@code
 * io.meshwork.sandbox.internal}.
 */
package io.meshwork.sandbox;

/**
 * Not API: the Chicory engine behind the sandbox's API, and how it enforces the limits.
 *
 * <p>It may change without notice. Two classes are public, each for a stated reader: {@link
 * io.meshwork.sandbox.internal.ChicoryEngine} for {@link io.meshwork.sandbox.WasmEngine#chicory()}
 * and for tests that count its threads, and {@link io.meshwork.sandbox.internal.FuelInstrumenter}
 * for the engine benchmark. The rest (capped memory, reused threads, the guest's log) is
 * package-private.
 */
package io.meshwork.sandbox.internal;

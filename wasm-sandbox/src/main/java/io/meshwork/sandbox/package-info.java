/**
 * The WebAssembly sandbox that runs job modules: compiling a module once, running each call in a
 * fresh instance under fuel, memory, time, stack and output limits, and reporting what went wrong
 * in terms of the job ABI.
 *
 * <p>This package is the executor's domain core and knows nothing of gRPC; the Chicory runtime
 * stays behind {@link io.meshwork.sandbox.WasmEngine}.
 */
package io.meshwork.sandbox;

/**
 * The job-module contract of WASM-ABI version 1: validating a module's exports, imports and memory,
 * the frame-list encoding, and the host-side split strategies.
 *
 * <p>Both the orchestrator (which refuses a bad module at submission) and the executor (which
 * refuses it again before compiling) use this package, so a module is judged by one set of rules.
 */
package io.meshwork.wasm.abi;

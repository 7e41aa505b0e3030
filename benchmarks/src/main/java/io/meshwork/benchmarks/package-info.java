/**
 * Rerunnable benchmarks of the WebAssembly engines: one harness runs the same modules on the same
 * input bytes in Chicory's compiler (as the executor runs it, and bare), Chicory's interpreter,
 * Node's V8 and plain Java, and reports each as a ratio against the others from the same run.
 */
package io.meshwork.benchmarks;

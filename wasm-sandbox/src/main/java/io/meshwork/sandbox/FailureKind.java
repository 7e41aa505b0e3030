package io.meshwork.sandbox;

/** Why a sandboxed call (or a module's compilation) failed, as reported to the orchestrator. */
public enum FailureKind {
  /** The guest trapped: {@code unreachable}, an out-of-bounds access, {@code env.abort}, ... */
  TRAP,
  /** The call used up its fuel. */
  FUEL_EXHAUSTED,
  /** The module needs or asked for more linear memory than the limit allows. */
  MEMORY_LIMIT,
  /** The call ran past its wall-time limit. */
  WALL_TIME,
  /** The guest's calls nested deeper than the call stack allows. */
  STACK_OVERFLOW,
  /** An export returned an address range that lies outside linear memory. */
  OUTPUT_OUT_OF_BOUNDS,
  /** An export returned more bytes than the output limit allows. */
  OUTPUT_TOO_LARGE,
  /** The input is larger than the input limit allows. */
  INPUT_TOO_LARGE,
  /** The module breaks the job ABI or cannot be compiled. */
  INVALID_MODULE,
  /** The caller gave up on the call (its thread was interrupted) before it finished. */
  CANCELLED,
  /** The sandbox itself failed; not the module's fault. */
  INTERNAL
}

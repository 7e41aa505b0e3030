package io.meshwork.runtime.tracing;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * The trace a piece of work belongs to, captured on one thread to be carried to another: work
 * queued for a batch, a task handed to a worker thread. Outside a traced call it is empty.
 */
public final class TraceContext {
  private final Context context;

  private TraceContext(Context context) {
    this.context = context;
  }

  /** The current thread's trace. */
  public static TraceContext current() {
    return new TraceContext(Context.current());
  }

  /**
   * Makes this trace current on the calling thread until the returned handle is closed (in a
   * try-with-resources block on the same thread).
   */
  public Attached attach() {
    Scope scope = context.makeCurrent();
    return scope::close;
  }

  /** A trace made current by {@link #attach}; closing it restores what was current before. */
  @FunctionalInterface
  public interface Attached extends AutoCloseable {
    @Override
    void close();
  }
}

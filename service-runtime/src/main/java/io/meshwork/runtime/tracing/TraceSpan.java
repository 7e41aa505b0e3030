package io.meshwork.runtime.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;

/**
 * One step of the work, current on the thread that started it until it is closed (use it in a
 * try-with-resources block). Outside a traced call it records nothing and costs next to nothing.
 */
public final class TraceSpan implements AutoCloseable {
  static final TraceSpan NONE = new TraceSpan(Span.getInvalid(), null);

  private final Span span;
  private final Scope scope;

  TraceSpan(Span span, Scope scope) {
    this.span = span;
    this.scope = scope;
  }

  /** Adds a text attribute (a job id, an executor's endpoint). */
  public TraceSpan attribute(String key, String value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
    return this;
  }

  /** Adds a number attribute (a count, a price). */
  public TraceSpan attribute(String key, long value) {
    span.setAttribute(key, value);
    return this;
  }

  /** Marks the step failed with {@code failure}, which the trace shows as an exception event. */
  public TraceSpan failed(Throwable failure) {
    span.recordException(failure);
    span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
    return this;
  }

  /** Ends the step and makes its parent current again. */
  @Override
  public void close() {
    if (scope != null) {
      scope.close();
      span.end();
    }
  }
}

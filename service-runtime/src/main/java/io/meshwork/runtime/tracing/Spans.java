package io.meshwork.runtime.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Starts the spans of a job's steps (submit, auction, assignment, execution, verification,
 * anchoring, payment, merge) from code that must not know OpenTelemetry.
 *
 * <p>The tracer travels in the trace context: a service's server interceptor puts its own tracer
 * there when a call arrives, so a span started anywhere below that call, on any thread the context
 * was carried to ({@link #propagating}, {@link TraceContext}), is that service's, and a span
 * started where no traced call is current is no span at all. This is what lets the development mesh
 * run five services in one JVM, each reporting under its own name, and what keeps tracing free when
 * it is off: no tracer is ever put in the context then.
 */
public final class Spans {
  /** The tracer of the service whose traced call the current context descends from. */
  static final ContextKey<Tracer> TRACER = ContextKey.named("meshwork-tracer");

  private Spans() {}

  /**
   * Starts a step named {@code name} as a child of the current one and makes it current; close it
   * on the same thread.
   */
  public static TraceSpan start(String name) {
    Context parent = Context.current();
    Tracer tracer = parent.get(TRACER);
    if (tracer == null) {
      return TraceSpan.NONE;
    }
    Span span =
        tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.INTERNAL).startSpan();
    return new TraceSpan(span, parent.with(span).makeCurrent());
  }

  /** Runs {@code work} as a step named {@code name}; a failure marks the step and goes on. */
  public static <T> T call(String name, Supplier<T> work) {
    try (TraceSpan span = start(name)) {
      try {
        return work.get();
      } catch (RuntimeException | Error e) {
        span.failed(e);
        throw e;
      }
    }
  }

  /** Runs {@code work} as a step named {@code name}; a failure marks the step and goes on. */
  public static void run(String name, Runnable work) {
    call(
        name,
        () -> {
          work.run();
          return null;
        });
  }

  /**
   * {@code threads}, with each task running in the trace of the thread that handed it over: the
   * work of a job stays in the trace of the call that submitted it.
   */
  public static ExecutorService propagating(ExecutorService threads) {
    return Context.taskWrapping(threads);
  }

  /** Whether a traced call is current on this thread (so that a span would be recorded). */
  public static boolean active() {
    return Context.current().get(TRACER) != null;
  }
}

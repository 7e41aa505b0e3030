package io.meshwork.runtime.tracing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The gRPC edge of tracing: a server interceptor that continues the caller's trace (W3C {@code
 * traceparent} in the metadata) in a server span, and a client interceptor that opens a client span
 * for each call made inside a traced call and passes its context on.
 */
final class GrpcSpans {
  private static final TextMapGetter<Metadata> FROM_METADATA =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
          return carrier == null
              ? null
              : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
      };

  private static final TextMapSetter<Metadata> TO_METADATA =
      (carrier, key, value) ->
          carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);

  private GrpcSpans() {}

  /** Continues the caller's trace in a server span of {@code tracer} around each call. */
  static ServerInterceptor server(Tracer tracer, TextMapPropagator propagator) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        MethodDescriptor<Q, R> method = call.getMethodDescriptor();
        Context remote = propagator.extract(Context.root(), headers, FROM_METADATA);
        Span span =
            describe(
                    tracer.spanBuilder(method.getFullMethodName()).setParent(remote),
                    method,
                    SpanKind.SERVER)
                .startSpan();
        // The tracer goes with the context, so that spans below this call are this service's.
        Context context = remote.with(span).with(Spans.TRACER, tracer);
        // Ended once: when the call is closed, or when the caller cancels a call the handler never
        // closes, so that the spans below it are never left without their parent.
        AtomicBoolean ended = new AtomicBoolean();
        ServerCall<Q, R> ending =
            new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                if (ended.compareAndSet(false, true)) {
                  end(span, status);
                }
                super.close(status, trailers);
              }
            };
        ServerCall.Listener<Q> listener = within(context, () -> next.startCall(ending, headers));
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
          @Override
          public void onMessage(Q message) {
            within(context, () -> super.onMessage(message));
          }

          @Override
          public void onHalfClose() {
            within(context, super::onHalfClose);
          }

          @Override
          public void onCancel() {
            within(context, super::onCancel);
            if (ended.compareAndSet(false, true)) {
              end(span, Status.CANCELLED.withDescription("cancelled by the caller"));
            }
          }

          @Override
          public void onComplete() {
            within(context, super::onComplete);
          }

          @Override
          public void onReady() {
            within(context, super::onReady);
          }
        };
      }
    };
  }

  /**
   * Opens a client span for each call made where a traced call is current, and puts its context in
   * the call's metadata; a call made elsewhere (a heartbeat, a probe) goes untouched.
   */
  static ClientInterceptor client(TextMapPropagator propagator) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Context parent = Context.current();
        Tracer tracer = parent.get(Spans.TRACER);
        if (tracer == null) {
          return next.newCall(method, options);
        }
        Span span =
            describe(
                    tracer.spanBuilder(method.getFullMethodName()).setParent(parent),
                    method,
                    SpanKind.CLIENT)
                .startSpan();
        Context context = parent.with(span);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            propagator.inject(context, headers, TO_METADATA);
            super.start(
                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onClose(Status status, Metadata trailers) {
                    end(span, status);
                    super.onClose(status, trailers);
                  }
                },
                headers);
          }
        };
      }
    };
  }

  private static SpanBuilder describe(
      SpanBuilder builder, MethodDescriptor<?, ?> method, SpanKind kind) {
    return builder
        .setSpanKind(kind)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.service", String.valueOf(method.getServiceName()))
        .setAttribute("rpc.method", String.valueOf(method.getBareMethodName()));
  }

  private static void end(Span span, Status status) {
    span.setAttribute("rpc.grpc.status_code", status.getCode().value());
    if (!status.isOk()) {
      span.setStatus(
          StatusCode.ERROR,
          status.getCode()
              + (status.getDescription() == null ? "" : ": " + status.getDescription()));
    }
    span.end();
  }

  private static void within(Context context, Runnable work) {
    try (Scope ignored = context.makeCurrent()) {
      work.run();
    }
  }

  private static <T> T within(Context context, Supplier<T> work) {
    try (Scope ignored = context.makeCurrent()) {
      return work.get();
    }
  }
}

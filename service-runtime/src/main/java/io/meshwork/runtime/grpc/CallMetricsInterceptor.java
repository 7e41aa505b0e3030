package io.meshwork.runtime.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshwork.runtime.ServiceMetrics;

/** Counts every call by method and status code and times it, for {@code /observe/metrics}. */
public final class CallMetricsInterceptor implements ServerInterceptor {
  private final ServiceMetrics metrics;

  /** Records into {@code metrics}. */
  public CallMetricsInterceptor(ServiceMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long started = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall<Q, R> counted =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            metrics
                .counter(
                    "meshwork.grpc.server.calls",
                    "gRPC calls served",
                    "method",
                    method,
                    "code",
                    status.getCode().name())
                .increment();
            metrics
                .timer("meshwork.grpc.server.latency", "gRPC call latency", "method", method)
                .recordNanos(System.nanoTime() - started);
            super.close(status, trailers);
          }
        };
    return next.startCall(counted, headers);
  }
}

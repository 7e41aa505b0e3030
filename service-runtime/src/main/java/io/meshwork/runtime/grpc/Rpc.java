package io.meshwork.runtime.grpc;

import io.grpc.stub.StreamObserver;
import io.meshwork.runtime.errors.ErrorMapping;
import java.util.function.Supplier;

/**
 * Runs the body of a unary handler so that a gRPC service class stays a thin adapter.
 *
 * <p>The body converts the request, calls the domain core and builds the response; whatever it
 * throws is mapped once, by {@link ErrorMapping}, so no exception ever escapes a handler.
 */
public final class Rpc {
  private Rpc() {}

  /** Completes {@code observer} with the body's response, or with the mapped failure. */
  public static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (Throwable t) {
      observer.onError(ErrorMapping.toStatus(t));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}

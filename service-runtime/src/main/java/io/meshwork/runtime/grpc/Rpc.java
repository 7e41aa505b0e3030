package io.meshwork.runtime.grpc;

import io.grpc.stub.StreamObserver;
import io.meshwork.runtime.errors.ErrorMapping;
import java.util.function.Supplier;

/**
 * How a gRPC handler answers and fails, so that a service class stays a thin adapter with one error
 * path.
 *
 * <p>The rule: a handler throws. Whatever leaves the handler on the thread gRPC called it on
 * (validation, a domain refusal, a bug) is mapped by {@link ErrorMapping} in the server's
 * ErrorMappingInterceptor, which every service runs behind. A failure that surfaces later on
 * another thread (a stream fed by a worker or a subscription) cannot be thrown to gRPC, so the
 * handler passes it to {@link #fail}. A handler never calls {@code onError} itself.
 */
public final class Rpc {
  private Rpc() {}

  /**
   * Answers a unary call with the response {@code body} builds. What the body throws is not caught
   * here: it leaves the handler, and the interceptor maps it.
   */
  public static <T> void unary(StreamObserver<T> observer, Supplier<T> body) {
    observer.onNext(body.get());
    observer.onCompleted();
  }

  /**
   * Ends a call with the mapped status of {@code failure}, from any thread; a call that is already
   * closed stays as it was (the server's calls close once). A handler whose stream other threads
   * write to calls this while holding the lock it writes under, so that the status follows the last
   * message it sent.
   */
  public static void fail(StreamObserver<?> observer, Throwable failure) {
    observer.onError(ErrorMapping.toStatus(failure));
  }
}

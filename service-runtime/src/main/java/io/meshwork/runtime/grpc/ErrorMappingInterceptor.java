package io.meshwork.runtime.grpc;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshwork.runtime.errors.ErrorMapping;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Ends a call with the status {@link ErrorMapping} gives to whatever its handler throws, so that a
 * handler may simply throw.
 *
 * <p>Without it, an exception that leaves a listener callback reaches grpc-java's {@code
 * ServerImpl}, which closes the call with a bare {@code UNKNOWN} and logs the stack trace as if the
 * server were broken. {@link MeshServer} places this interceptor next to the handler of every
 * service it serves, so no service can leave it out. It covers the handler's start (where grpc-java
 * runs a client- or bidi-streaming method) and every callback (where it runs a unary or
 * server-streaming method, and where a streaming handler's request observer runs).
 *
 * <p>A failure that surfaces later on another thread never passes through a callback; the handler
 * reports it with {@link Rpc#fail}, which maps it the same way.
 *
 * <p>The call it hands down closes at most once: the first status wins and any later close is
 * dropped, so a failure that arrives after the handler answered, or after another thread failed the
 * call, cannot close it twice (grpc-java's {@code ServerCall} throws when closed again).
 */
final class ErrorMappingInterceptor implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(ErrorMappingInterceptor.class.getName());

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    CloseOnceCall<Q, R> closing = new CloseOnceCall<>(call);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(closing, headers);
    } catch (Throwable t) {
      closing.fail(t);
      rethrowIfError(t);
      return new ServerCall.Listener<>() {};
    }
    return new GuardedListener<>(listener, closing);
  }

  // An Error (out of memory, a broken class path) still ends the call with a status, but goes on
  // to grpc-java and the thread's handler: it is not the handler's failure to report.
  private static void rethrowIfError(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
  }

  /**
   * The call as the handler sees it: closed once, and written by one thread at a time.
   *
   * <p>{@code ServerCall} is not thread-safe. A handler that writes from its own threads already
   * serialises its writes, but the close made here for a failed callback comes from gRPC's thread;
   * holding one lock across headers, messages and close keeps that close from interleaving with a
   * write, and makes "closed yet?" and the close one step.
   */
  private static final class CloseOnceCall<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    CloseOnceCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      super.sendHeaders(headers);
    }

    @Override
    public synchronized void sendMessage(R message) {
      super.sendMessage(message);
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (closed) {
        LOG.fine(() -> method() + ": dropped a second close with " + status.getCode());
        return;
      }
      closed = true;
      super.close(status, trailers);
    }

    synchronized boolean isClosed() {
      return closed;
    }

    /** Closes the call with the mapped status of {@code failure}, unless it is closed already. */
    void fail(Throwable failure) {
      if (isClosed()) {
        // Nobody will see this failure in a status, so it is at least seen in the log.
        LOG.log(
            Level.WARNING, method() + ": the handler failed after its call was closed", failure);
        return;
      }
      StatusRuntimeException mapped = ErrorMapping.toStatus(failure);
      close(mapped.getStatus(), Objects.requireNonNullElseGet(mapped.getTrailers(), Metadata::new));
    }

    private String method() {
      return getMethodDescriptor().getFullMethodName();
    }
  }

  /**
   * Passes every callback on to the handler's listener and fails the call with whatever one throws.
   * Callbacks are never called concurrently, so the flag needs no lock.
   */
  private static final class GuardedListener<Q>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<Q> {
    private final CloseOnceCall<Q, ?> call;
    // Set once a callback failed: the handler's state is then unknown, so it is given no more
    // requests or readiness, only the end of the call (onCancel or onComplete) to clean up.
    private boolean failed;

    GuardedListener(ServerCall.Listener<Q> delegate, CloseOnceCall<Q, ?> call) {
      super(delegate);
      this.call = call;
    }

    @Override
    public void onMessage(Q message) {
      if (failed) {
        return;
      }
      try {
        super.onMessage(message);
      } catch (Throwable t) {
        fail(t);
      }
    }

    @Override
    public void onHalfClose() {
      if (failed) {
        return;
      }
      try {
        super.onHalfClose();
      } catch (Throwable t) {
        fail(t);
      }
    }

    @Override
    public void onReady() {
      if (failed) {
        return;
      }
      try {
        super.onReady();
      } catch (Throwable t) {
        fail(t);
      }
    }

    @Override
    public void onCancel() {
      try {
        super.onCancel();
      } catch (Throwable t) {
        fail(t);
      }
    }

    @Override
    public void onComplete() {
      try {
        super.onComplete();
      } catch (Throwable t) {
        fail(t);
      }
    }

    private void fail(Throwable t) {
      failed = true;
      call.fail(t);
      rethrowIfError(t);
    }
  }
}

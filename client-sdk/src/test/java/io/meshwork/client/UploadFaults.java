package io.meshwork.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.UploadRequest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sits between the SDK and the blob service: records where each Upload call started and how many
 * frames went out, and breaks one call the way a reset connection does when a test asks it to.
 */
public final class UploadFaults implements ClientInterceptor {
  /** The offset of the first frame of every Upload call, in order. */
  public final List<Long> callOffsets = new CopyOnWriteArrayList<>();

  /** Frames sent over all Upload calls. */
  public final AtomicLong frames = new AtomicLong();

  private final AtomicLong breakAfter = new AtomicLong(-1);

  /**
   * Breaks the next Upload call once it has sent {@code bytes}: the call is cancelled towards the
   * service, and the SDK hears {@code UNAVAILABLE}, as from a connection reset.
   */
  public void breakNextCallAfter(long bytes) {
    breakAfter.set(bytes);
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    ClientCall<Q, A> call = next.newCall(method, options);
    if (!method.getFullMethodName().equals(BlobServiceGrpc.getUploadMethod().getFullMethodName())) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      private long sent;
      private boolean first = true;
      private long limit = -1;
      private volatile boolean broken;

      @Override
      public void start(Listener<A> listener, Metadata headers) {
        limit = breakAfter.getAndSet(-1);
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                super.onClose(
                    broken
                        ? Status.UNAVAILABLE.withDescription("connection reset (injected)")
                        : status,
                    broken ? new Metadata() : trailers);
              }
            },
            headers);
      }

      @Override
      public void sendMessage(Q message) {
        if (broken) {
          return;
        }
        UploadRequest frame = (UploadRequest) message;
        if (first) {
          callOffsets.add(frame.getOffset());
          first = false;
        }
        frames.incrementAndGet();
        super.sendMessage(message);
        sent += frame.getData().size();
        if (limit >= 0 && sent >= limit) {
          broken = true;
          super.cancel("connection reset (injected)", null);
        }
      }

      @Override
      public void halfClose() {
        if (!broken) {
          super.halfClose();
        }
      }
    };
  }
}

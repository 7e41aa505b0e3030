package io.meshwork.blob.grpc;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.ServerCallStreamObserver;
import io.meshwork.blob.core.BlobRange;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Sends one byte range as Download frames, reading each frame from the store only when the call can
 * take it ({@code isReady}), so a slow client holds back the reading instead of filling memory.
 *
 * <p>Runs on the call's serialised callbacks (the handler, then each onReady), never two at a time;
 * a failure thrown from one of them ends the call through the server's error-mapping interceptor.
 */
final class RangeSender implements Runnable {
  private final BlobRange range;
  private final ServerCallStreamObserver<io.meshwork.blob.v1.DownloadResponse> call;
  private final int frameBytes;
  private long sent;
  private boolean first = true;
  private boolean done;

  RangeSender(
      BlobRange range,
      ServerCallStreamObserver<io.meshwork.blob.v1.DownloadResponse> call,
      int frameBytes) {
    this.range = range;
    this.call = call;
    this.frameBytes = (int) Math.min(frameBytes, Math.max(1, range.length()));
  }

  void start() {
    call.setOnCancelHandler(this::finish);
    call.setOnReadyHandler(this);
    run();
  }

  @Override
  public void run() {
    if (done) {
      return;
    }
    try {
      while (call.isReady() && !done) {
        int want = (int) Math.min(frameBytes, range.length() - sent);
        if (want == 0 && !first) {
          finish();
          call.onCompleted();
          return;
        }
        // A new array per frame, handed to the message as it is: gRPC may still be serialising
        // the previous frame, and wrapping saves copying every byte once more.
        byte[] data = new byte[want];
        readFully(range.bytes(), data);
        io.meshwork.blob.v1.DownloadResponse.Builder frame =
            io.meshwork.blob.v1.DownloadResponse.newBuilder()
                .setOffset(range.offset() + sent)
                .setData(UnsafeByteOperations.unsafeWrap(data));
        if (first) {
          frame.setBlob(BlobProtos.blob(range.blob()));
          first = false;
        }
        call.onNext(frame.build());
        sent += want;
      }
    } catch (IOException e) {
      finish();
      throw new MeshException(
          MeshException.Kind.UNAVAILABLE,
          "STORAGE_UNAVAILABLE",
          "reading blob " + range.blob().cid() + " failed: " + e.getMessage(),
          e);
    } catch (RuntimeException e) {
      finish();
      throw e;
    }
  }

  private void readFully(InputStream in, byte[] into) throws IOException {
    int want = into.length;
    int got = 0;
    while (got < want) {
      int n = in.read(into, got, want - got);
      if (n < 0) {
        throw new IOException(
            "the store ended the range " + (range.length() - sent - got) + " bytes early");
      }
      got += n;
    }
  }

  private void finish() {
    if (!done) {
      done = true;
      try {
        range.close();
      } catch (RuntimeException ignored) {
        // The range was read or the call is over; a failure to close a stream changes neither.
      }
    }
  }
}

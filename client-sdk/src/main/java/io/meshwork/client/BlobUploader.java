package io.meshwork.client;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshwork.blob.v1.BlobServiceGrpc;
import io.meshwork.blob.v1.CancelUploadRequest;
import io.meshwork.blob.v1.CreateUploadRequest;
import io.meshwork.blob.v1.GetUploadRequest;
import io.meshwork.blob.v1.Upload;
import io.meshwork.blob.v1.UploadRequest;
import io.meshwork.blob.v1.UploadResponse;
import io.meshwork.blob.v1.UploadState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Uploads one file at a time as a blob through {@code meshwork.blob.v1.BlobService}, resuming where
 * the service's acknowledged offset says after a broken stream or a restarted process.
 *
 * <p>The file is read one frame at a time and a frame is sent only when the call can take it
 * (gRPC's flow control), so memory holds about two frames whatever the file's size.
 *
 * <p>Its {@code CreateUpload} request id is derived from the file (its real path, size and
 * modification time, and the declared CID), so a process that stopped halfway and runs again gets
 * the same upload back and sends only what the service has not acknowledged; a completed upload
 * answers with its blob at once. Should that upload have been cancelled (it expires after a day
 * without bytes), have failed, or have lost its staged bytes, the next of a few numbered request
 * ids opens a new one.
 */
final class BlobUploader {
  /**
   * The slowest rate an Upload call is given time for: its deadline is the call deadline plus one
   * second per MiB it has to send. A call that reaches it is resumed like a broken one.
   */
  static final long MIN_BYTES_PER_SECOND = 1 << 20;

  /** Failed calls in a row, without the acknowledged offset moving, before the upload gives up. */
  static final int MAX_ATTEMPTS = 6;

  /** The wait after the first failure; it doubles after each further one, up to the maximum. */
  static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

  /** The longest wait between two calls. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(8);

  /**
   * Uploads one file may open before giving up: the first under its request id, each further one
   * (after one was cancelled, failed or lost) under that id with {@code .1}, {@code .2}, ...
   */
  private static final int MAX_GENERATIONS = 4;

  /** Room in a gRPC message for an UploadRequest's id, offset and field tags beside its data. */
  private static final int FRAME_OVERHEAD = 1024;

  /** Failures after which calling again can succeed: the stream broke, or the service was busy. */
  private static final Set<Status.Code> TRANSIENT =
      Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED);

  /**
   * Refusals that a fresh look at the upload resolves: another call still streams to it (the
   * service has not yet let go of the broken one), it acknowledged more or less than was asked, or
   * it is closed (complete after all, when the answer to the last frame was lost; or cancelled, and
   * a new upload follows).
   */
  private static final Set<String> RETRY_REASONS =
      Set.of("UPLOAD_BUSY", "OFFSET_MISMATCH", "UPLOAD_CLOSED");

  private static final String UPLOAD_LOST = "UPLOAD_LOST";

  private final BlobServiceGrpc.BlobServiceBlockingStub blocking;
  private final BlobServiceGrpc.BlobServiceStub streaming;
  private final MeshClientOptions options;
  private final String authority;

  BlobUploader(
      BlobServiceGrpc.BlobServiceBlockingStub blocking,
      BlobServiceGrpc.BlobServiceStub streaming,
      MeshClientOptions options,
      String authority) {
    this.blocking = blocking;
    this.streaming = streaming;
    this.options = options;
    this.authority = authority;
  }

  /** Uploads {@code file}, declaring {@code expectedCid} when given, and returns its blob. */
  Blob upload(Path file, Optional<String> expectedCid, UploadProgress progress) {
    FileVersion version = FileVersion.of(file);
    try (FileChannel channel = FileChannel.open(version.path(), StandardOpenOption.READ)) {
      return new Transfer(version, expectedCid, channel, progress).run();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** One file's upload, from finding or creating it to its blob. */
  private final class Transfer {
    private final FileVersion version;
    private final Optional<String> expectedCid;
    private final FileChannel channel;
    private final UploadProgress progress;
    private final String baseId;
    private final Attempts attempts;
    private int generation;

    Transfer(
        FileVersion version,
        Optional<String> expectedCid,
        FileChannel channel,
        UploadProgress progress) {
      this.version = version;
      this.expectedCid = expectedCid;
      this.channel = channel;
      this.progress = progress;
      this.baseId = requestId(version, expectedCid);
      this.attempts = new Attempts(version.path());
    }

    Blob run() {
      Upload upload = open();
      while (true) {
        switch (upload.getState()) {
          case UPLOAD_STATE_COMPLETE -> {
            return completed(upload);
          }
          case UPLOAD_STATE_OPEN -> upload = sendOnce(upload);
          default -> {
            // Cancelled (it expired, or its uploader cancelled it elsewhere) or failed: a new one.
            generation++;
            upload = open();
          }
        }
      }
    }

    /**
     * Creates (or, for a request id used before, finds) the upload, skipping past request ids whose
     * upload was cancelled or failed.
     */
    private Upload open() {
      for (; generation < MAX_GENERATIONS; generation++) {
        CreateUploadRequest request =
            CreateUploadRequest.newBuilder()
                .setRequestId(generation == 0 ? baseId : baseId + "." + generation)
                .setSize(version.size())
                .setExpectedCid(expectedCid.orElse(""))
                .build();
        Upload upload = attempts.call(() -> unary().createUpload(request).getUpload());
        if (upload.getState() == UploadState.UPLOAD_STATE_OPEN
            || upload.getState() == UploadState.UPLOAD_STATE_COMPLETE) {
          return upload;
        }
      }
      throw new MeshClientException(
          Status.Code.FAILED_PRECONDITION,
          "",
          "the last "
              + MAX_GENERATIONS
              + " uploads of "
              + version.path()
              + " were cancelled or failed; rename or touch the file to start afresh");
    }

    /** One Upload call, and after a broken one the upload as the service now has it. */
    private Upload sendOnce(Upload upload) {
      long before = upload.getAcknowledgedOffset();
      Upload after;
      boolean counted = false;
      try {
        after = send(channel, version, upload, progress);
      } catch (MeshClientException e) {
        if (e.reason().filter(UPLOAD_LOST::equals).isPresent()) {
          // The service lost the staged bytes: give this upload up and open a new one.
          attempts.call(() -> cancel(upload.getUploadId()));
          generation++;
          return open();
        }
        if (!retryable(e)) {
          throw e;
        }
        attempts.failed(e);
        counted = true;
        after = attempts.call(() -> get(upload.getUploadId()));
      }
      if (after.getAcknowledgedOffset() > before
          || after.getState() != UploadState.UPLOAD_STATE_OPEN) {
        attempts.progressed();
      } else if (!counted) {
        // The call ended well yet the upload stayed where it was: count it, so it cannot loop.
        attempts.failed(
            new MeshClientException(
                Status.Code.INTERNAL,
                "",
                "the service answered the upload open at byte "
                    + before
                    + " of "
                    + version.size()));
      }
      return after;
    }

    private Blob completed(Upload upload) {
      if (!FileVersion.of(version.path()).equals(version)) {
        throw new MeshClientException(
            Status.Code.FAILED_PRECONDITION,
            MeshClientException.FILE_CHANGED,
            version.path()
                + " changed while it was uploading; the blob "
                + upload.getBlob().getCid()
                + " may mix its versions: upload it again");
      }
      progress.bytesSent(version.size(), version.size());
      return new Blob(upload.getBlob().getCid(), upload.getBlob().getSize());
    }
  }

  private Upload get(String uploadId) {
    return unary()
        .getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getUpload();
  }

  private Upload cancel(String uploadId) {
    return unary()
        .cancelUpload(CancelUploadRequest.newBuilder().setUploadId(uploadId).build())
        .getUpload();
  }

  private BlobServiceGrpc.BlobServiceBlockingStub unary() {
    return blocking.withDeadlineAfter(options.callDeadline().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One Upload call: the file's bytes from the acknowledged offset to its end, in frames of the
   * service's size, each sent when the call is ready for it.
   */
  private Upload send(
      FileChannel channel, FileVersion version, Upload upload, UploadProgress progress) {
    long size = version.size();
    long from = upload.getAcknowledgedOffset();
    int frameBytes = frameBytes(upload);
    progress.bytesSent(from, size);
    FrameCall call = new FrameCall();
    streaming
        .withDeadlineAfter(deadline(size - from).toMillis(), TimeUnit.MILLISECONDS)
        .upload(call);
    try {
      long at = from;
      boolean first = true;
      while ((first || at < size) && call.awaitReady()) {
        int length = (int) Math.min(frameBytes, size - at);
        // A fresh array per frame: the message wraps it without a copy and gRPC may still hold
        // the previous one while it is written out.
        byte[] data = new byte[length];
        read(channel, version, data, at);
        UploadRequest.Builder frame =
            UploadRequest.newBuilder().setData(UnsafeByteOperations.unsafeWrap(data));
        if (first) {
          frame.setUploadId(upload.getUploadId()).setOffset(from);
          first = false;
        }
        call.requests.onNext(frame.build());
        at += length;
        progress.bytesSent(at, size);
      }
      if (!call.answer.isDone()) {
        call.requests.onCompleted();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.requests.cancel("the upload was interrupted", e);
      throw new MeshClientException(
          Status.Code.CANCELLED, "", "the upload of " + version.path() + " was interrupted", e);
    } catch (RuntimeException | Error e) {
      // A file that cannot be read, or a listener that threw: end the call, keep what was acked.
      call.requests.cancel("the upload stopped on the client", e);
      throw e;
    }
    try {
      return call.answer.get().getUpload();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException failure) {
        throw GrpcMeshClient.failure("orchestrator", authority, failure);
      }
      throw new IllegalStateException("the upload call failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.requests.cancel("the upload was interrupted", e);
      throw new MeshClientException(
          Status.Code.CANCELLED, "", "the upload of " + version.path() + " was interrupted", e);
    }
  }

  /** The service's frame size, kept within one gRPC message of this client. */
  private int frameBytes(Upload upload) {
    int limit = options.maxMessageBytes() - FRAME_OVERHEAD;
    int offered = upload.getMaxFrameBytes();
    return offered > 0 ? Math.min(offered, limit) : Math.min(64 * 1024, limit);
  }

  /** The deadline of an Upload call that sends {@code bytes}: see {@link #MIN_BYTES_PER_SECOND}. */
  Duration deadline(long bytes) {
    long seconds = (bytes + MIN_BYTES_PER_SECOND - 1) / MIN_BYTES_PER_SECOND;
    return options.callDeadline().plusSeconds(seconds);
  }

  private static void read(FileChannel channel, FileVersion version, byte[] into, long position) {
    ByteBuffer buffer = ByteBuffer.wrap(into);
    try {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer, position + buffer.position()) < 0) {
          throw new MeshClientException(
              Status.Code.FAILED_PRECONDITION,
              MeshClientException.FILE_CHANGED,
              version.path()
                  + " changed while it was uploading: it ended at byte "
                  + (position + buffer.position())
                  + " of "
                  + version.size());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + version.path() + ": " + e.getMessage(), e);
    }
  }

  private static boolean retryable(MeshClientException e) {
    return TRANSIENT.contains(e.code())
        || (e.code() == Status.Code.FAILED_PRECONDITION
            && e.reason().filter(RETRY_REASONS::contains).isPresent());
  }

  /**
   * The request id of an upload of this version of the file: the same for every process that
   * uploads it, different once the file is another one, has changed, or is declared another CID.
   */
  static String requestId(FileVersion version, Optional<String> expectedCid) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      String key =
          String.join(
              "\n",
              version.path().toString(),
              Long.toString(version.size()),
              version.modified(),
              expectedCid.orElse(""));
      return "file-"
          + HexFormat.of().formatHex(sha256.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** A file as it is now: its real path, size and modification time. */
  record FileVersion(Path path, long size, String modified) {
    static FileVersion of(Path file) {
      try {
        Path real = file.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
          throw new IllegalArgumentException(file + " is not a regular file");
        }
        // The full precision the file system keeps, so a rewrite within a second still counts.
        return new FileVersion(
            real, attributes.size(), attributes.lastModifiedTime().toInstant().toString());
      } catch (NoSuchFileException e) {
        throw new UncheckedIOException("no such file: " + file, e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * Counts failed calls in a row and waits before the next one; a call that moved the acknowledged
   * offset starts the count again, so a long upload on a flaky line keeps going while a dead one
   * stops after {@link #MAX_ATTEMPTS}.
   */
  private final class Attempts {
    private final Path file;
    private int failures;

    Attempts(Path file) {
      this.file = file;
    }

    void progressed() {
      failures = 0;
    }

    /** Records a failure and waits, or throws once there were too many in a row. */
    void failed(MeshClientException e) {
      failures++;
      if (failures >= MAX_ATTEMPTS) {
        throw new MeshClientException(
            e.code(),
            MeshClientException.UPLOAD_INTERRUPTED,
            "the upload of "
                + file
                + " stopped after "
                + failures
                + " failed calls in a row (run it again to continue): "
                + e.getMessage(),
            e);
      }
      long wait =
          Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures - 1, 20));
      try {
        Thread.sleep(wait);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new MeshClientException(
            Status.Code.CANCELLED, "", "the upload of " + file + " was interrupted", interrupted);
      }
    }

    /** Runs a unary call, again after a transient failure. */
    <T> T call(Supplier<T> rpc) {
      while (true) {
        try {
          return rpc.get();
        } catch (StatusRuntimeException e) {
          MeshClientException failure = GrpcMeshClient.failure("orchestrator", authority, e);
          if (!retryable(failure)) {
            throw failure;
          }
          failed(failure);
        }
      }
    }
  }

  /**
   * The client side of one Upload call: the request stream, the answer, and a wait until the call
   * can take the next frame.
   */
  private static final class FrameCall
      implements ClientResponseObserver<UploadRequest, UploadResponse> {
    final CompletableFuture<UploadResponse> answer = new CompletableFuture<>();
    private final Object lock = new Object();
    ClientCallStreamObserver<UploadRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<UploadRequest> requests) {
      this.requests = requests;
      // Runs on gRPC's executor whenever the transport can take more; the sender waits for it.
      requests.setOnReadyHandler(this::wake);
    }

    @Override
    public void onNext(UploadResponse response) {
      answer.complete(response);
    }

    @Override
    public void onError(Throwable t) {
      answer.completeExceptionally(t);
      wake();
    }

    @Override
    public void onCompleted() {
      answer.completeExceptionally(
          Status.INTERNAL
              .withDescription("the Upload call ended without an answer")
              .asRuntimeException());
      wake();
    }

    /** Waits until the call can take a frame; false once it has ended (with an answer or not). */
    boolean awaitReady() throws InterruptedException {
      synchronized (lock) {
        while (!requests.isReady() && !answer.isDone()) {
          lock.wait();
        }
      }
      return !answer.isDone();
    }

    private void wake() {
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }
}

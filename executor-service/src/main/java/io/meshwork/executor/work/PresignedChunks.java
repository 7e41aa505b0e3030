package io.meshwork.executor.work;

import io.meshwork.compute.v1.ChunkReference;
import io.meshwork.content.CidDigest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Chunks read straight from the object store through the presigned URL their reference carries
 * ({@code ChunkReference.url}), instead of through the orchestrator: a plain GET with no
 * credentials of any kind and only the chunk's {@code Range} header, which the URL's signature
 * covers.
 *
 * <p>The answer must be {@code 206} for exactly that range. The bytes go into the chunk's array and
 * are hashed as they arrive; the read stops at the first byte past the chunk's length, and the
 * chunk counts only if it is exactly that long and hashes to {@code chunk_cid}. Anything else (no
 * URL, an expired one, a scheme not allowed, a refusal, a network failure, the deadline, a wrong
 * length, wrong bytes) answers empty, logged, and the caller downloads the chunk from the blob
 * service instead, where the bytes are checked again. So a URL can make a chunk faster to get, but
 * never makes a task fail or run on bytes that were not checked.
 */
public final class PresignedChunks implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PresignedChunks.class.getName());
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final boolean allowHttp;
  private final Clock clock;
  private HttpClient http;

  /**
   * @param allowHttp whether plain {@code http} URLs are read too (a development store on
   *     loopback); otherwise only {@code https}
   */
  public PresignedChunks(boolean allowHttp, Clock clock) {
    this.allowHttp = allowHttp;
    this.clock = clock;
  }

  /**
   * The bytes of the chunk {@code ref} names, read from its URL within {@code deadline} and checked
   * against its {@code chunk_cid}; empty when it has no URL or the URL did not give them.
   *
   * @throws InterruptedException when the task was cancelled meanwhile
   */
  Optional<byte[]> read(ChunkReference ref, Duration deadline) throws InterruptedException {
    if (ref.getUrl().isEmpty()) {
      return Optional.empty();
    }
    String refused = refusal(ref);
    if (refused != null) {
      return fellBack(ref, refused);
    }
    // The job's prefix first, as the module gets it; the URL's bytes follow it.
    int prefix = ref.getPrefix().size();
    byte[] chunk = new byte[(int) (prefix + ref.getLength())];
    ref.getPrefix().copyTo(chunk, 0);
    RangeBody body = new RangeBody(chunk, prefix);
    String range = "bytes=" + ref.getOffset() + "-" + (ref.getOffset() + ref.getLength() - 1);
    HttpRequest get =
        HttpRequest.newBuilder(URI.create(ref.getUrl())).header("Range", range).GET().build();
    CompletableFuture<HttpResponse<Void>> call =
        client().sendAsync(get, answer -> body.accept(answer, ref));
    try {
      call.get(Math.max(1, deadline.toNanos()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      call.cancel(true);
      throw e;
    } catch (TimeoutException e) {
      call.cancel(true);
      return fellBack(ref, "no whole answer within " + deadline.toMillis() + " ms");
    } catch (ExecutionException e) {
      return fellBack(ref, reason(e.getCause()));
    }
    if (body.received != ref.getLength()) {
      return fellBack(ref, "it sent " + body.received + " of the " + ref.getLength() + " bytes");
    }
    String actual = body.hash.cid();
    if (!actual.equals(ref.getChunkCid())) {
      return fellBack(ref, "its bytes hash to " + actual + ", not to the chunk's CID");
    }
    LOG.fine(() -> "read " + describe(ref) + " from its presigned URL");
    return Optional.of(chunk);
  }

  /** What went wrong, in one line: the answer's own refusal when there is one in the chain. */
  private static String reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof RangeRefused) {
        return t.getMessage();
      }
    }
    return failure.getClass().getSimpleName() + ": " + failure.getMessage();
  }

  /** Why the URL is not tried at all, or null. */
  private String refusal(ChunkReference ref) {
    URI url;
    try {
      url = URI.create(ref.getUrl());
    } catch (IllegalArgumentException e) {
      return "it is not a URL: " + e.getMessage();
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(allowHttp && scheme.equals("http"))) {
      return "its scheme is "
          + (scheme.isEmpty() ? "missing" : scheme)
          + "; this executor reads chunk URLs over https"
          + (scheme.equals("http") ? " only, unless executor.chunk-url-allow-http" : "");
    }
    if (url.getHost() == null) {
      return "it names no host";
    }
    if (ref.getUrlExpiresAt() != 0 && clock.millis() >= ref.getUrlExpiresAt()) {
      return "it expired at " + Instant.ofEpochMilli(ref.getUrlExpiresAt());
    }
    return null;
  }

  private static Optional<byte[]> fellBack(ChunkReference ref, String why) {
    LOG.warning(
        "the presigned URL of "
            + describe(ref)
            + " failed ("
            + why
            + "); downloading it from the orchestrator's blob service instead");
    return Optional.empty();
  }

  private static String describe(ChunkReference ref) {
    return "the chunk bytes ["
        + ref.getOffset()
        + ", "
        + (ref.getOffset() + ref.getLength())
        + ") of blob "
        + ref.getBlobCid();
  }

  private synchronized HttpClient client() {
    if (http == null) {
      // Made on first use, so that an executor never given a URL starts none of its threads.
      // Redirects are not followed: a presigned URL answers itself, and a redirect would be
      // somewhere its signature does not cover.
      http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(CONNECT_TIMEOUT)
              .build();
    }
    return http;
  }

  @Override
  public synchronized void close() {
    if (http != null) {
      http.shutdownNow();
      http = null;
    }
  }

  /** An answer that is not the range asked for. */
  private static final class RangeRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RangeRefused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The body of a ranged answer, written into the chunk's array and hashed as it arrives, and
   * refused at the first byte past the array's end (the transfer is then cancelled, not read to its
   * end). An answer that is not the range is refused before its body is read.
   */
  private static final class RangeBody implements HttpResponse.BodySubscriber<Void> {
    final CidDigest hash = new CidDigest();
    private final byte[] chunk;
    private final int start;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile String refused;
    private Flow.Subscription subscription;
    // Bytes of the range received, written after the chunk's first start bytes (its prefix).
    volatile long received;

    RangeBody(byte[] chunk, int start) {
      this.chunk = chunk;
      this.start = start;
      hash.update(chunk, 0, start);
    }

    /** This body, for an answer that is the range {@code ref} asks for; refused otherwise. */
    RangeBody accept(HttpResponse.ResponseInfo answer, ChunkReference ref) {
      refused = wrongAnswer(answer, ref);
      return this;
    }

    private static String wrongAnswer(HttpResponse.ResponseInfo answer, ChunkReference ref) {
      int status = answer.statusCode();
      if (status != 206) {
        return "HTTP "
            + status
            + (status == 403 ? " (expired, or signed for something else)" : "")
            + ", not 206 with the range";
      }
      long last = ref.getOffset() + ref.getLength() - 1;
      OptionalLong length = answer.headers().firstValueAsLong("Content-Length");
      if (length.isPresent() && length.getAsLong() != ref.getLength()) {
        return "it announced " + length.getAsLong() + " bytes, not the " + ref.getLength();
      }
      String expected = "bytes " + ref.getOffset() + "-" + last + "/";
      Optional<String> range = answer.headers().firstValue("Content-Range");
      if (range.isPresent() && !range.get().startsWith(expected)) {
        return "it answered with " + range.get() + ", not " + expected + "...";
      }
      return null;
    }

    @Override
    public CompletionStage<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      this.subscription = s;
      if (refused != null) {
        s.cancel();
        done.completeExceptionally(new RangeRefused(refused));
        return;
      }
      s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (done.isDone()) {
        return;
      }
      for (ByteBuffer b : buffers) {
        int n = b.remaining();
        int at = start + (int) received;
        if (n > chunk.length - at) {
          // Stop at once: more bytes than the range are not the range.
          subscription.cancel();
          done.completeExceptionally(
              new RangeRefused(
                  "it sent more than the " + (chunk.length - start) + " bytes of the range"));
          return;
        }
        b.get(chunk, at, n);
        hash.update(chunk, at, n);
        received += n;
      }
      subscription.request(1);
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      done.complete(null);
    }
  }
}

package io.meshwork.orchestrator.inputs;

import io.meshwork.blob.core.BlobErrors;
import io.meshwork.blob.core.BlobRepository;
import io.meshwork.blob.core.UploadSession;
import io.meshwork.blob.core.UploadState;
import io.meshwork.blob.core.UploadWriter;
import io.meshwork.content.Cid;
import io.meshwork.orchestrator.jobs.UrlInputs;
import io.meshwork.runtime.errors.MeshException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches URL inputs into the orchestrator's blob store: each URL, and each redirect, checked by
 * the {@link UrlPolicy} and fetched from an address it checked ({@link HttpGet}); the bytes
 * streamed into an upload of the submitter's for the job, as if the submitter had uploaded them
 * (charged to its quota, held by it, used by the job), hashed as they arrive and checked against
 * the declared SHA-256 by the blob store.
 */
public final class UrlInputFetcher implements UrlInputs {
  private static final Logger LOG = Logger.getLogger(UrlInputFetcher.class.getName());
  private static final int MAX_REDIRECTS = 5;
  // Upload request ids tried per job: a fetch broken off by a restart leaves its upload open, and
  // the next fetch cancels it and takes the next id.
  private static final int UPLOAD_ATTEMPTS = 8;

  /**
   * What the operator allows.
   *
   * @param hosts the hosts URLs may name: names, {@code *.domain} for the names below a domain, or
   *     addresses; empty refuses every URL input
   * @param allowPrivate whether hosts may resolve to addresses that are not public
   * @param allowHttp whether plain http is fetched, besides https
   * @param timeout how long connecting, and each wait for more bytes, may take
   */
  public record Options(
      List<String> hosts, boolean allowPrivate, boolean allowHttp, Duration timeout) {
    /** The defaults of docs/CONFIGURATION.md: no URL inputs. */
    public static Options defaults() {
      return new Options(List.of(), false, false, Duration.ofSeconds(30));
    }

    /** Copies the host list. */
    public Options {
      hosts = List.copyOf(hosts);
    }
  }

  private final UrlPolicy policy;
  private final BlobRepository repository;
  private final Duration timeout;
  private final Clock clock;
  private final SSLSocketFactory tls;

  /** Fetches what {@code options} allow into {@code repository}, resolving names with DNS. */
  public UrlInputFetcher(Options options, BlobRepository repository, Clock clock) {
    this(
        options,
        repository,
        clock,
        InetAddress::getAllByName,
        (SSLSocketFactory) SSLSocketFactory.getDefault());
  }

  /** With a resolver and TLS sockets of the caller's (tests). */
  UrlInputFetcher(
      Options options,
      BlobRepository repository,
      Clock clock,
      UrlPolicy.Resolver resolver,
      SSLSocketFactory tls) {
    this.policy = new UrlPolicy(options, resolver);
    this.repository = repository;
    this.timeout = options.timeout();
    this.clock = clock;
    this.tls = tls;
  }

  @Override
  public void check(String url) {
    policy.addresses(policy.parse(url));
  }

  @Override
  public String fetch(
      String jobId,
      String submitterDid,
      String url,
      String sha256,
      long deadlineMillis,
      Consumer<Runnable> onCancel) {
    URI uri = policy.parse(url);
    for (int redirects = 0; ; redirects++) {
      List<InetAddress> addresses = policy.addresses(uri);
      try (HttpGet get =
          HttpGet.send(uri, addresses, timeout, deadlineMillis, clock, onCancel, tls)) {
        HttpGet.Response response = get.response();
        if (response.isRedirect()) {
          if (redirects == MAX_REDIRECTS) {
            throw failed(url + " redirected more than " + MAX_REDIRECTS + " times");
          }
          uri = redirect(uri, response);
          continue;
        }
        if (response.status() != 200) {
          throw failed(uri + " answered " + response.status() + " " + response.reason());
        }
        long length = contentLength(uri, response);
        return store(jobId, submitterDid, uri, length, sha256, get);
      } catch (IOException e) {
        throw failed(uri + ": " + explain(e, uri));
      }
    }
  }

  /** Where a redirect points, checked like the URL it came from. */
  private URI redirect(URI from, HttpGet.Response response) {
    String location =
        response
            .header("location")
            .orElseThrow(
                () -> failed(from + " answered " + response.status() + " without a Location"));
    URI to;
    try {
      to = from.resolve(new URI(location));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw failed(from + " redirected to a malformed Location: " + e.getMessage());
    }
    try {
      URI checked = policy.parse(to.toString());
      policy.addresses(checked);
      return checked;
    } catch (MeshException e) {
      throw new MeshException(
              e.kind(),
              e.reason(),
              from + " redirected to " + to + ", which is refused: " + e.getMessage())
          .with("field", "input_url");
    }
  }

  /** The body's length, which the upload must declare before its first byte. */
  private long contentLength(URI uri, HttpGet.Response response) {
    if (response.header("transfer-encoding").isPresent()) {
      throw failed(
          uri
              + " answered without a Content-Length (Transfer-Encoding: "
              + response.header("transfer-encoding").get()
              + "); the mesh needs an input's size before it stores it");
    }
    Optional<String> encoding = response.header("content-encoding");
    if (encoding.isPresent() && !encoding.get().equalsIgnoreCase("identity")) {
      throw failed(uri + " answered in Content-Encoding " + encoding.get() + ", not as it is");
    }
    List<String> lengths = response.headers().getOrDefault("content-length", List.of());
    if (lengths.isEmpty()) {
      throw failed(
          uri
              + " answered without a Content-Length; the mesh needs an input's size before it"
              + " stores it");
    }
    long length = -1;
    for (String value : lengths) {
      long n;
      try {
        n = value.matches("\\d{1,18}") ? Long.parseLong(value) : -1;
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0 || (length >= 0 && n != length)) {
        throw failed(uri + " answered with a malformed Content-Length: " + lengths);
      }
      length = n;
    }
    long max = repository.limits().maxBlobBytes();
    if (length > max) {
      throw new MeshException(
              MeshException.Kind.INVALID_ARGUMENT,
              "INPUT_TOO_LARGE",
              uri
                  + " is "
                  + length
                  + " bytes; this mesh stores blobs of at most "
                  + max
                  + " (blobs.max-blob-bytes)")
          .with("field", "input_url");
    }
    return length;
  }

  /** Streams the body into a blob of the submitter's for the job; returns its CID. */
  private String store(
      String jobId, String submitter, URI uri, long length, String sha256, HttpGet get)
      throws IOException {
    Optional<String> expected =
        sha256.isEmpty()
            ? Optional.empty()
            : Optional.of(Cid.ofDigest(HexFormat.of().parseHex(sha256)));
    UploadSession upload = openUpload(jobId, submitter, length, expected);
    if (upload.state() == UploadState.COMPLETE) {
      // The submitter holds these bytes already, or an earlier fetch stored them and stopped
      // before the journal recorded it.
      return upload.cid();
    }
    UploadWriter writer = repository.openWriter(submitter, upload.uploadId(), 0);
    boolean stored = false;
    try {
      byte[] buffer = new byte[Math.min(repository.limits().maxFrameBytes(), 256 * 1024)];
      long received = 0;
      while (received < length) {
        int filled = 0;
        int want = (int) Math.min(buffer.length, length - received);
        while (filled < want) {
          int n = get.read(buffer, filled, want - filled);
          if (n < 0) {
            throw failed(
                uri + " ended after " + (received + filled) + " of its " + length + " bytes");
          }
          filled += n;
        }
        writer.write(ByteBuffer.wrap(buffer, 0, filled));
        received += filled;
      }
      String cid = writer.finish().cid();
      stored = true;
      return cid;
    } catch (MeshException e) {
      if (BlobErrors.CID_MISMATCH.equals(e.reason())) {
        String actual = HexFormat.of().formatHex(Cid.digest(e.metadata().get("actual_cid")));
        throw new MeshException(
                MeshException.Kind.INVALID_ARGUMENT,
                "INPUT_SHA256_MISMATCH",
                uri
                    + " gave bytes with SHA-256 "
                    + actual
                    + ", not the declared input_sha256 "
                    + sha256)
            .with("field", "input_sha256")
            .with("expected_sha256", sha256)
            .with("actual_sha256", actual);
      }
      throw e;
    } finally {
      if (!stored) {
        writer.abandon();
        cancel(submitter, upload);
      }
    }
  }

  /**
   * An upload for the job, owned by the submitter: the first of the job's request ids that gives
   * one still empty or complete. An open one with bytes in it was left by a fetch that broke off;
   * it is cancelled (its quota freed) and the next id tried, since the bytes behind a URL may have
   * changed since.
   */
  private UploadSession openUpload(
      String jobId, String submitter, long length, Optional<String> expected) {
    for (int attempt = 0; attempt < UPLOAD_ATTEMPTS; attempt++) {
      String requestId = "input-url:" + jobId + (attempt == 0 ? "" : "." + attempt);
      UploadSession upload;
      try {
        upload =
            repository.createUpload(
                submitter,
                new BlobRepository.NewUpload(requestId, length, expected, Optional.of(jobId)));
      } catch (MeshException e) {
        if (BlobErrors.REQUEST_ID_REUSED.equals(e.reason())) {
          continue;
        }
        throw e;
      }
      if (upload.state() == UploadState.COMPLETE
          || (upload.state() == UploadState.OPEN && upload.acknowledgedOffset() == 0)) {
        return upload;
      }
      cancel(submitter, upload);
    }
    throw failed("no upload could be opened for the input of job " + jobId);
  }

  private void cancel(String submitter, UploadSession upload) {
    try {
      repository.cancelUpload(submitter, upload.uploadId());
    } catch (RuntimeException e) {
      // It expires by itself (blobs.upload-expiry) and its quota with it.
      LOG.log(Level.WARNING, "could not cancel upload " + upload.uploadId(), e);
    }
  }

  private static String explain(IOException e, URI uri) {
    String what =
        e instanceof SocketTimeoutException
            ? "timed out (" + e.getMessage() + ")"
            : e instanceof SSLException
                ? "TLS with " + UrlPolicy.host(uri) + " failed: " + e.getMessage()
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // One line, whatever the exception says.
    return what.replaceAll("\\s+", " ");
  }

  private static MeshException failed(String message) {
    return new MeshException(MeshException.Kind.UNAVAILABLE, "INPUT_FETCH_FAILED", message)
        .with("field", "input_url");
  }
}

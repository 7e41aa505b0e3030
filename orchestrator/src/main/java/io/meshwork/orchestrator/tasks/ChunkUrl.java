package io.meshwork.orchestrator.tasks;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A presigned URL that reads one chunk's byte range straight from the object store, without
 * credentials, until it expires: sent beside a chunk by reference so that the executor need not
 * download the bytes through this orchestrator.
 *
 * @param url where the executor sends its GET, with only the chunk's {@code Range} header
 * @param expiresAt when the store stops honouring it
 */
public record ChunkUrl(URI url, Instant expiresAt) {
  /** Checks that both are given. */
  public ChunkUrl {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}

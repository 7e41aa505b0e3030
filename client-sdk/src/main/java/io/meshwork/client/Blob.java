package io.meshwork.client;

import java.util.Objects;

/**
 * A blob stored in the mesh: content-addressed bytes a job can take as its input by CID ({@link
 * JobRequest.Builder#inputCid(String)}).
 *
 * @param cid its CID (CIDv1, raw codec, sha2-256, base32 {@code bafkrei...}), computed by the blob
 *     service from the bytes it received
 * @param size its length in bytes
 */
public record Blob(String cid, long size) {
  /** Checks the fields. */
  public Blob {
    Objects.requireNonNull(cid, "cid");
    if (size < 0) {
      throw new IllegalArgumentException("a blob's size must not be negative, got " + size);
    }
  }
}

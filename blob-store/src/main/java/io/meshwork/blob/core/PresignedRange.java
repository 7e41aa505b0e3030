package io.meshwork.blob.core;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

/**
 * A URL that fetches one byte range of a blob without credentials, until it expires.
 *
 * @param url where to send an HTTP GET
 * @param headers headers the GET must carry exactly as given (the signed {@code Range}), besides
 *     {@code Host}
 * @param expiresAt when the URL stops working
 */
public record PresignedRange(URI url, Map<String, String> headers, Instant expiresAt) {
  /** Copies the headers. */
  public PresignedRange {
    headers = Map.copyOf(headers);
  }
}

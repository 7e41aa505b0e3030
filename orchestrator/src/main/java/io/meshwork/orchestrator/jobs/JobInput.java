package io.meshwork.orchestrator.jobs;

/**
 * A job's input: bytes that came with the manifest ({@code input_data}), a blob of the store named
 * by its CID ({@code input_cid}), which is read in ranges and never held whole, or a URL ({@code
 * input_url}) that becomes such a blob once the job has fetched it.
 *
 * @param bytes the inline bytes, or null
 * @param blobCid the blob's CID, or null
 * @param url the URL to fetch, or null
 * @param sha256 with a URL, the hex SHA-256 its bytes must have, or "" for no check
 * @param size the input's length in bytes; -1 for a URL, whose length is known once fetched
 */
record JobInput(byte[] bytes, String blobCid, String url, String sha256, long size) {
  static JobInput inline(byte[] bytes) {
    return new JobInput(bytes, null, null, "", bytes.length);
  }

  static JobInput stored(String blobCid, long size) {
    return new JobInput(null, blobCid, null, "", size);
  }

  static JobInput fetched(String url, String sha256) {
    return new JobInput(null, null, url, sha256, -1);
  }

  /** Whether the input came with the manifest. */
  boolean isInline() {
    return bytes != null;
  }

  /** Whether the input is a blob of the store. */
  boolean isStored() {
    return blobCid != null;
  }

  /** Whether the input is a URL not yet fetched. */
  boolean isUrl() {
    return url != null;
  }
}

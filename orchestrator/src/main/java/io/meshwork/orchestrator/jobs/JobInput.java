package io.meshwork.orchestrator.jobs;

/**
 * A job's input: bytes that came with the manifest ({@code input_data}), or a blob of the store
 * named by its CID ({@code input_cid}), which is read in ranges and never held whole.
 *
 * @param bytes the inline bytes, or null for a stored input
 * @param blobCid the blob's CID, or null for inline bytes
 * @param size the input's length in bytes
 */
record JobInput(byte[] bytes, String blobCid, long size) {
  static JobInput inline(byte[] bytes) {
    return new JobInput(bytes, null, bytes.length);
  }

  static JobInput stored(String blobCid, long size) {
    return new JobInput(null, blobCid, size);
  }

  /** Whether the input is a blob of the store. */
  boolean isStored() {
    return blobCid != null;
  }
}

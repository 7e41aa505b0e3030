package io.meshwork.blob.core;

/** Where an upload stands. */
public enum UploadState {
  /** Bytes may still be sent. */
  OPEN,
  /** Every byte arrived and is stored as a blob. */
  COMPLETE,
  /** Cancelled by its uploader, or expired. */
  CANCELLED,
  /** The bytes did not match the declared CID and were dropped. */
  FAILED
}

package io.meshwork.orchestrator.blobs;

import io.meshwork.runtime.config.Setting;

/**
 * The orchestrator's keys for what travels inside messages and what goes through its blob store
 * (chunks of stored inputs, results), declared with their types, defaults and meanings; {@code
 * OrchestratorSettings.KEYS} lists them with the rest.
 */
public final class BlobTransferSettings {
  /** The largest chunk of a stored input that travels inside its task rather than by reference. */
  public static final Setting<Long> INLINE_CHUNK_BYTES =
      Setting.longValue(
              "orchestrator.inline-chunk-bytes",
              1L << 20,
              "Chunks of a stored input (input_cid), and merge inputs, up to this many bytes are"
                  + " sent inside their task; larger ones go by reference (blob, offset, length, CID)"
                  + " and the executor downloads them. Inline saves the executor a call; references"
                  + " keep the orchestrator from holding the bytes of every task in flight.")
          .atLeast(0L);

  /** The largest result kept in the journal and answered inline; larger ones become blobs. */
  public static final Setting<Long> INLINE_RESULT_BYTES =
      Setting.longValue(
              "orchestrator.inline-result-bytes",
              4L << 20,
              "Results up to this many bytes are journaled and answered inside GetJobResult;"
                  + " larger ones (a job's, and its chunks' while it runs) are stored as blobs.")
          .atLeast(0L);

  private BlobTransferSettings() {}
}

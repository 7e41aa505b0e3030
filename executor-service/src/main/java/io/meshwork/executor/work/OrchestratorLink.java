package io.meshwork.executor.work;

import io.meshwork.compute.v1.ComputeTaskResult;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What an executor needs from the orchestrator that assigned it a task: somewhere to deliver the
 * result, the module when the assignment named one this executor does not hold, and the chunk when
 * the assignment named it by reference.
 */
public interface OrchestratorLink {
  /**
   * Delivers {@code result} to the orchestrator at {@code endpoint}; returns whether it was
   * verified.
   */
  boolean deliver(String endpoint, ComputeTaskResult result);

  /**
   * Fetches the module with CID {@code moduleCid} from the orchestrator at {@code endpoint}. The
   * caller checks the bytes against the CID; nothing here is trusted.
   *
   * @throws RuntimeException when the orchestrator cannot be reached or does not have it
   */
  byte[] fetchModule(String endpoint, String moduleCid);

  /**
   * Downloads {@code length} bytes of the blob {@code blobCid} from {@code offset}, from the blob
   * service of the orchestrator at {@code endpoint}, handing each frame to {@code frames} in order
   * as it arrives; gives up once {@code deadline} has passed. The caller counts the bytes and
   * checks them against the chunk's CID; nothing here is trusted.
   *
   * @throws RuntimeException naming the reason when the orchestrator cannot be reached, refuses the
   *     range, sends frames out of order, or the deadline passes, and whatever {@code frames}
   *     throws; when the calling thread was interrupted, its interrupt flag is set on return
   */
  void fetchRange(
      String endpoint,
      String blobCid,
      long offset,
      long length,
      Duration deadline,
      Consumer<ByteBuffer> frames);
}

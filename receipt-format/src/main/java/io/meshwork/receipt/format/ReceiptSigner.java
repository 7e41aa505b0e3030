package io.meshwork.receipt.format;

import com.google.protobuf.ByteString;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;

/** Signs execution receipts on behalf of the executor that ran the task. */
public final class ReceiptSigner {
  private ReceiptSigner() {}

  /**
   * Returns {@code unsigned} with its signature set to {@code executor}'s Ed25519 signature over
   * {@link ReceiptCodec#signedBytes}; any signature already present is replaced.
   *
   * @throws IllegalArgumentException if the receipt's executor_did is not the signer's DID or its
   *     version is not 1, since such a receipt could never verify
   */
  public static ExecutionReceipt sign(ExecutionReceipt unsigned, Identity executor) {
    if (!unsigned.getExecutorDid().equals(executor.did())) {
      throw new IllegalArgumentException(
          "receipt executor_did '"
              + unsigned.getExecutorDid()
              + "' is not the signing identity "
              + executor.did());
    }
    if (unsigned.getVersion() != ReceiptVerifier.VERSION) {
      throw new IllegalArgumentException(
          "receipt version is " + unsigned.getVersion() + "; only version 1 can be signed");
    }
    byte[] signature = executor.sign(ReceiptCodec.signedBytes(unsigned));
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }
}

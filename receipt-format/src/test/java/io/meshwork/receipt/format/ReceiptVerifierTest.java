package io.meshwork.receipt.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ReceiptVerifierTest {

  @Test
  void refusesOtherVersions() {
    assertCheck("version", resign(b -> b.setVersion(2)));
    assertCheck("version", Receipts.signed().toBuilder().setVersion(0).build());
  }

  @Test
  void requiresTheKeyFields() {
    assertCheck("missing-field", "task_id", resign(b -> b.setTaskId("")));
    assertCheck("missing-field", "module_cid", resign(b -> b.setModuleCid("")));
    assertCheck("missing-field", "input_cid", resign(b -> b.setInputCid("")));
    assertCheck("missing-field", "output_cid", resign(b -> b.setOutputCid("")));
    assertCheck("missing-field", "engine", resign(b -> b.setEngine("")));
    assertCheck(
        "missing-field", "executor_did", Receipts.signed().toBuilder().setExecutorDid("").build());
  }

  @Test
  void requiresADidKeyExecutor() {
    assertCheck(
        "executor-did",
        Receipts.signed().toBuilder().setExecutorDid("did:web:example.com").build());
  }

  @Test
  void checksTheSignature() {
    assertCheck("signature-length", Receipts.unsigned());
    assertCheck(
        "signature-length",
        Receipts.signed().toBuilder().setSignature(ByteString.copyFrom(new byte[63])).build());
    assertCheck("signature", Receipts.signed().toBuilder().setFuelUsed(1).build());
    assertCheck(
        "signature",
        Receipts.signed().toBuilder()
            .setLimits(Receipts.unsigned().getLimits().toBuilder().setFuel(2))
            .build());
    assertCheck("signature", Receipts.signed().toBuilder().setExportName("merge").build());
    // Signed by someone else while naming the executor.
    Identity mallory = Identity.generate();
    ExecutionReceipt forged =
        ReceiptSigner.sign(
                Receipts.unsigned().toBuilder().setExecutorDid(mallory.did()).build(), mallory)
            .toBuilder()
            .setExecutorDid(Receipts.EXECUTOR.did())
            .build();
    assertCheck("signature", forged);
  }

  @Test
  void signerRefusesReceiptsItCannotVouchFor() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReceiptSigner.sign(Receipts.unsigned(), Receipts.ORCHESTRATOR));
    assertTrue(e.getMessage().contains("executor_did"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ReceiptSigner.sign(
                Receipts.unsigned().toBuilder().setVersion(0).build(), Receipts.EXECUTOR));
  }

  private static ExecutionReceipt resign(UnaryOperator<ExecutionReceipt.Builder> change) {
    ExecutionReceipt changed = change.apply(Receipts.unsigned().toBuilder()).build();
    byte[] signature = Receipts.EXECUTOR.sign(ReceiptCodec.signedBytes(changed));
    return changed.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
  }

  private static void assertCheck(String check, ExecutionReceipt receipt) {
    assertCheck(check, "", receipt);
  }

  private static void assertCheck(String check, String fragment, ExecutionReceipt receipt) {
    ReceiptException e =
        assertThrows(ReceiptException.class, () -> ReceiptVerifier.verify(receipt));
    assertEquals(check, e.check(), e.getMessage());
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}

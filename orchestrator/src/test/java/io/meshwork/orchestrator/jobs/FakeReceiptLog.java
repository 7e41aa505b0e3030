package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.Receipt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The receipt log port in memory: append-only, idempotent by the receipt's content address. */
final class FakeReceiptLog implements ReceiptLog {
  private final Map<String, Long> indexByCid = new LinkedHashMap<>();
  private final List<Receipt> entries = new ArrayList<>();
  private final List<UnsignedJobStatement> statements = new ArrayList<>();

  @Override
  public synchronized List<Anchored> anchor(List<Receipt> receipts) {
    List<Anchored> out = new ArrayList<>();
    for (Receipt r : receipts) {
      String cid = Cid.of(r.leaf());
      Long index = indexByCid.get(cid);
      if (index == null) {
        index = (long) (entries.size() + statements.size());
        indexByCid.put(cid, index);
        entries.add(r);
      }
      out.add(new Anchored(cid, index));
    }
    return out;
  }

  /**
   * Takes the statement as the log would, by a content address of what it states (the fake does not
   * sign), and answers with a placeholder proof: the real encoding, signature and proof are the
   * receipt log's and are tested there and end to end.
   */
  @Override
  public synchronized AnchoredStatement anchorStatement(UnsignedJobStatement statement) {
    String cid =
        Cid.of(
            (statement.jobId() + "\n" + statement.resultCid() + "\n" + statement.receiptCids())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Long index = indexByCid.get(cid);
    if (index == null) {
      index = (long) (entries.size() + statements.size());
      indexByCid.put(cid, index);
      statements.add(statement);
    }
    return new AnchoredStatement(cid, index, "statement " + cid);
  }

  /** Every statement anchored, in log order. */
  synchronized List<UnsignedJobStatement> statements() {
    return List.copyOf(statements);
  }

  /** Every receipt anchored, in log order. */
  synchronized List<Receipt> entries() {
    return List.copyOf(entries);
  }
}

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

  @Override
  public synchronized List<Anchored> anchor(List<Receipt> receipts) {
    List<Anchored> out = new ArrayList<>();
    for (Receipt r : receipts) {
      String cid = Cid.of(r.leaf());
      Long index = indexByCid.get(cid);
      if (index == null) {
        index = (long) entries.size();
        indexByCid.put(cid, index);
        entries.add(r);
      }
      out.add(new Anchored(cid, index));
    }
    return out;
  }

  /** Every receipt anchored, in log order. */
  synchronized List<Receipt> entries() {
    return List.copyOf(entries);
  }
}

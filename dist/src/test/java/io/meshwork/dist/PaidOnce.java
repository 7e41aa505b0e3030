package io.meshwork.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshwork.client.JobResult;
import io.meshwork.client.MeshClient;
import io.meshwork.compute.v1.ReceiptRef;
import io.meshwork.ledger.v1.EntryKind;
import io.meshwork.ledger.v1.HistoryEntry;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the ledger recorded for a job that an orchestrator crash or fail-over interrupted: one hold,
 * one release, and for every chunk (and the merge) exactly one receipt and exactly one payment, for
 * the receipt's price, under the pay request id the orchestrator replays after a restart.
 */
final class PaidOnce {
  private PaidOnce() {}

  /**
   * Asserts it for the job behind {@code result}, paid by the orchestrator {@code orchestratorDid};
   * returns how many payments the ledger holds for it.
   */
  static int assertEachTaskPaidOnce(MeshClient client, JobResult result, String orchestratorDid) {
    String jobId = result.status().getJobId();
    List<ReceiptRef> receipts = result.receipts();
    Map<String, Long> receiptsPerTask =
        receipts.stream()
            .collect(Collectors.groupingBy(ReceiptRef::getTaskId, Collectors.counting()));
    receiptsPerTask.forEach((task, n) -> assertEquals(1L, n, task + " has one receipt"));
    long chunkTasks = receiptsPerTask.keySet().stream().filter(t -> !t.endsWith(":merge")).count();
    assertEquals(result.status().getTotalChunks(), chunkTasks, "every chunk settled");
    Map<String, Long> priceByTask =
        receipts.stream().collect(Collectors.toMap(ReceiptRef::getTaskId, ReceiptRef::getPrice));

    List<HistoryEntry> history = client.history(Optional.of(jobId), 1_000);
    List<HistoryEntry> posts =
        history.stream().filter(e -> e.getKind() == EntryKind.ENTRY_KIND_POST).toList();
    Map<String, Long> postsPerTask =
        posts.stream()
            .collect(Collectors.groupingBy(HistoryEntry::getTaskId, Collectors.counting()));
    assertEquals(
        receiptsPerTask.keySet(), postsPerTask.keySet(), "the ledger paid the settled tasks");
    postsPerTask.forEach(
        (task, n) -> assertEquals(1L, n, task + " was paid " + n + " times: " + history));
    for (HistoryEntry post : posts) {
      assertEquals(-priceByTask.get(post.getTaskId()), post.getBalanceDelta(), post.toString());
      assertEquals(
          "pay:" + orchestratorDid + ":" + post.getTaskId(), post.getRequestId(), post.toString());
    }
    Map<EntryKind, Long> kinds =
        history.stream()
            .collect(Collectors.groupingBy(HistoryEntry::getKind, Collectors.counting()));
    assertEquals(
        Set.of(EntryKind.ENTRY_KIND_HOLD, EntryKind.ENTRY_KIND_POST, EntryKind.ENTRY_KIND_RELEASE),
        kinds.keySet(),
        "one hold, the posts, one release: " + kinds);
    assertEquals(1L, kinds.get(EntryKind.ENTRY_KIND_HOLD));
    assertEquals(1L, kinds.get(EntryKind.ENTRY_KIND_RELEASE));
    return posts.size();
  }
}

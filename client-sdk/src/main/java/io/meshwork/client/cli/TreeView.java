package io.meshwork.client.cli;

import io.meshwork.compute.v1.DelegationNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * How {@code meshwork status JOB --tree} shows a job's delegation tree: one line per task, indented
 * by its level, each part under the task it was cut from, parts in the order of the input.
 */
final class TreeView {
  private TreeView() {}

  /** The tree as text, one task a line. */
  static String text(List<DelegationNode> nodes) {
    StringBuilder text = new StringBuilder("\ndelegation tree\n");
    if (nodes.isEmpty()) {
      text.append("  no task has ended yet\n");
    }
    for (DelegationNode n : sorted(nodes)) {
      text.append("  ".repeat(level(n.getTaskId()) + 1))
          .append(n.getTaskId())
          .append("  bytes ")
          .append(n.getOffset())
          .append("..")
          .append(n.getOffset() + n.getLength())
          .append("  ")
          .append(n.getKind())
          .append(' ')
          .append(n.getWorker())
          .append("  ")
          .append(n.getState())
          .append("  ")
          .append(n.getPrice())
          .append(" mana  (placed by ")
          .append(n.getOrchestratorDid())
          .append(")\n");
    }
    return text.toString();
  }

  /** The tree for {@code --json}: one object per task, in the order of the text. */
  static List<Map<String, Object>> json(List<DelegationNode> nodes) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (DelegationNode n : sorted(nodes)) {
      Map<String, Object> json = Json.object();
      json.put("task_id", n.getTaskId());
      json.put("parent_task_id", n.getParentTaskId());
      json.put("orchestrator_did", n.getOrchestratorDid());
      json.put("offset", n.getOffset());
      json.put("length", n.getLength());
      json.put("kind", n.getKind());
      json.put("worker", n.getWorker());
      json.put("state", n.getState());
      json.put("price", n.getPrice());
      json.put("result_cid", n.getResultCid());
      out.add(json);
    }
    return out;
  }

  /** How many times the task was cut from another: "job:0" is 0, "job:0/3" is 1. */
  private static int level(String taskId) {
    return (int) taskId.chars().filter(c -> c == '/').count();
  }

  /** Parents first, then their parts in order (numbered parts by number, the merge last). */
  private static List<DelegationNode> sorted(List<DelegationNode> nodes) {
    List<DelegationNode> copy = new ArrayList<>(nodes);
    copy.sort(Comparator.comparing(DelegationNode::getTaskId, TreeView::compareIds));
    return copy;
  }

  private static int compareIds(String a, String b) {
    String[] x = a.split("[:/]");
    String[] y = b.split("[:/]");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = compareSegment(x[i], y[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  private static int compareSegment(String a, String b) {
    boolean na = a.chars().allMatch(Character::isDigit) && !a.isEmpty();
    boolean nb = b.chars().allMatch(Character::isDigit) && !b.isEmpty();
    if (na && nb) {
      return Long.compare(Long.parseLong(a), Long.parseLong(b));
    }
    if (na != nb) {
      // Numbered parts before the merge.
      return na ? -1 : 1;
    }
    return a.compareTo(b);
  }
}

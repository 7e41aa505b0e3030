package io.meshwork.receiptlog.core;

import io.meshwork.content.MerkleProofs;
import io.meshwork.content.ProofException;
import io.meshwork.identity.Identity;
import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ExecutionReceiptAvailableV1;
import io.meshwork.receipt.format.Checkpoint;
import io.meshwork.receipt.format.JobStatement;
import io.meshwork.receipt.format.ReceiptCodec;
import io.meshwork.receipt.format.SignedNote;
import io.meshwork.receiptlog.core.ReceiptChecks.Entry;
import io.meshwork.receiptlog.store.CheckpointRecord;
import io.meshwork.receiptlog.store.LeafRecord;
import io.meshwork.receiptlog.store.LogStore;
import io.meshwork.receiptlog.store.LogStoreException;
import io.meshwork.receiptlog.store.NodeId;
import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The append-only receipt log: verifies executors' signed receipts, appends them to an RFC 9162
 * Merkle tree, signs a C2SP checkpoint after every append and proves inclusion and consistency.
 *
 * <p>Receipts are checked before they reach the appender, on the caller's thread ({@code
 * ReceiptChecks}), so signature checks run in parallel on every core. Appends go through one
 * appender thread that drains every waiting call into a single group: one tree update, one signed
 * checkpoint and one durable commit serve all of them, and each caller then builds its own
 * inclusion proof against that checkpoint. A single writer is also what makes the log append-only:
 * it never signs two checkpoints that are not consistent.
 *
 * <p>The hashes of the tree's complete subtrees are stored with the leaves they complete, in the
 * same transaction, so a proof reads O(log n) hashes ({@link StoredTree}) and opening the log reads
 * only the O(log n) subtrees of its right edge. Proofs handed back by {@link #anchor} are built
 * from the hashes the append just computed, without reading the store.
 */
public final class ReceiptLog implements AutoCloseable {
  /** The origin used when none is configured. */
  public static final String DEFAULT_ORIGIN = "meshwork.local/receipts";

  /** Receipts the appender commits together at most, so one commit stays short. */
  private static final int MAX_GROUP_RECEIPTS = 8192;

  private static final Logger LOG = Logger.getLogger(ReceiptLog.class.getName());

  private final LogStore store;
  private final Identity logKey;
  private final String origin;
  private final ExecutorMembership membership;
  private final ReceiptChecks checks;
  private final Clock clock;
  private final ServiceMetrics.Counter anchoredCounter;

  private final BlockingQueue<AppendRequest> queue = new LinkedBlockingQueue<>();
  private final Thread appender;

  /** Touched only by the appender thread (and by open, before it starts). */
  private Frontier frontier;

  /**
   * Set by the appender when a commit failed, which the store may nevertheless hold (its
   * acknowledgement was lost with the connection): the next append reads the tree back first.
   * Touched only by the appender thread.
   */
  private boolean storeUncertain;

  private volatile SignedCheckpoint latest;
  private volatile boolean closed;

  private ReceiptLog(
      LogStore store,
      Identity logKey,
      String origin,
      ExecutorMembership membership,
      Clock clock,
      ServiceMetrics metrics) {
    this.store = store;
    this.logKey = logKey;
    this.origin = origin;
    this.membership = membership;
    this.checks = new ReceiptChecks(membership);
    this.clock = clock;
    this.anchoredCounter =
        metrics.counter("meshwork_receipts_anchored_total", "Receipts appended to the log.");
    metrics.gauge(
        "meshwork_receipts_tree_size",
        "Leaves in the latest signed checkpoint.",
        () -> latest == null ? 0 : latest.treeSize());
    this.appender = Thread.ofPlatform().name("receipt-log-appender").daemon().unstarted(this::run);
  }

  /**
   * Opens the log over {@code store}: loads the leaf hashes, checks that they match the latest
   * checkpoint, publishes the empty checkpoint on first use, loads the member lists orchestrators
   * sent, and starts the appender.
   *
   * @param logKey signs the checkpoints
   * @param origin the log's origin line, also the name of its signing key
   * @param isConfiguredExecutor whether a DID is in the log's {@code auth.executors}, whose
   *     receipts every orchestrator may anchor
   * @throws IllegalStateException if the stored leaves do not match the latest checkpoint
   */
  public static ReceiptLog open(
      LogStore store,
      Identity logKey,
      String origin,
      Predicate<String> isConfiguredExecutor,
      Clock clock,
      ServiceMetrics metrics) {
    if (origin == null || origin.isBlank() || origin.contains("\n")) {
      throw new IllegalArgumentException("the log origin must be one non-empty line");
    }
    ExecutorMembership membership = ExecutorMembership.load(store, isConfiguredExecutor);
    ReceiptLog log = new ReceiptLog(store, logKey, origin, membership, clock, metrics);
    log.load();
    log.appender.start();
    return log;
  }

  private void load() {
    long size = store.size();
    Optional<CheckpointRecord> stored = store.latestCheckpoint();
    if (stored.isEmpty()) {
      if (size != 0) {
        throw new IllegalStateException("the log holds leaves but no checkpoint");
      }
      CheckpointRecord empty = sign(0, new Frontier().root());
      store.append(List.of(), Map.of(), empty);
      stored = Optional.of(empty);
    }
    Frontier f;
    try {
      f = Frontier.load(size, store::nodes);
    } catch (StoredTree.MissingNodeException e) {
      f = fillInNodes();
    }
    adopt(f, stored.get());
  }

  /**
   * Reads the tree back from the store after a failed commit. If the commit landed although its
   * acknowledgement was lost, the tree in memory is behind the store, and every later append would
   * be refused for not continuing the log; the log would take no receipt until restarted.
   */
  private void reloadFromStore() {
    long size = store.size();
    CheckpointRecord cp =
        store
            .latestCheckpoint()
            .orElseThrow(() -> new IllegalStateException("the log store lost its checkpoints"));
    if (cp.treeSize() != frontier.size()) {
      LOG.info(
          "the receipt log store holds "
              + cp.treeSize()
              + " leaves after a failed commit, the log in memory "
              + frontier.size()
              + "; continuing from the store");
    }
    adopt(Frontier.load(size, store::nodes), cp);
  }

  /** Publishes {@code f} with its checkpoint {@code cp}, which must agree. */
  private void adopt(Frontier f, CheckpointRecord cp) {
    // Leaves and checkpoint are committed together, so they can only disagree if the file was
    // altered; serving proofs from such a tree would be worse than not starting.
    if (cp.treeSize() != f.size() || !Arrays.equals(cp.rootHash(), f.root())) {
      throw new IllegalStateException(
          "the stored leaves ("
              + f.size()
              + ") do not match the latest checkpoint (size "
              + cp.treeSize()
              + "); the log store is damaged");
    }
    frontier = f;
    latest = new SignedCheckpoint(origin, cp.treeSize(), cp.rootHash(), cp.note());
  }

  /**
   * Computes and stores every subtree hash from the leaves, for a store written before subtree
   * hashes were kept (schema version 1). Runs once; later opens read the stored hashes.
   */
  private Frontier fillInNodes() {
    LOG.info("computing the stored subtree hashes of the receipt log from its leaves");
    Frontier f = new Frontier();
    Map<NodeId, byte[]> created = new HashMap<>();
    for (byte[] h : store.leafHashes()) {
      f.add(h, created);
      if (created.size() >= 50_000) {
        store.putNodes(innerNodes(created));
        created.clear();
      }
    }
    store.putNodes(innerNodes(created));
    return f;
  }

  /** The nodes above the leaves: level 0 is stored as the leaves' own hash. */
  private static Map<NodeId, byte[]> innerNodes(Map<NodeId, byte[]> nodes) {
    Map<NodeId, byte[]> inner = new HashMap<>(nodes);
    inner.keySet().removeIf(id -> id.level() == 0);
    return inner;
  }

  /** Whose receipts the log takes; orchestrators update it with {@code SyncMembers}. */
  public ExecutorMembership membership() {
    return membership;
  }

  /** The log's origin line. */
  public String origin() {
    return origin;
  }

  /** The C2SP note verifier key of the log ({@code origin+keyhash+base64}), for clients to pin. */
  public String verifierKey() {
    return SignedNote.verifierKey(origin, logKey.publicKey());
  }

  /** Calls waiting for the appender; lets tests see that callers queued behind a commit. */
  int waitingCalls() {
    return queue.size();
  }

  /** Leaves in the latest checkpoint. */
  public long treeSize() {
    return latest.treeSize();
  }

  /**
   * Verifies and appends receipts that {@code orchestratorDid} anchors, returning one announcement
   * per receipt in order, each with the receipt's index, an inclusion proof and the signed
   * checkpoint the proof is for.
   *
   * <p>Each receipt must be signed by an executor the log takes receipts from for that orchestrator
   * ({@link ExecutorMembership#accepts}). The call is all or nothing: if any receipt fails, none is
   * appended. A receipt already in the log (same CID) keeps its index and original anchoring time.
   *
   * @throws MeshException INVALID_ARGUMENT {@code RECEIPT_INVALID} naming the failed check;
   *     FAILED_PRECONDITION {@code UNKNOWN_EXECUTOR}; UNAVAILABLE if the store fails
   */
  public List<ExecutionReceiptAvailableV1> anchor(
      String orchestratorDid, List<ExecutionReceipt> receipts) {
    if (receipts.isEmpty()) {
      return List.of();
    }
    List<Entry> entries = checks.checkAll(orchestratorDid, receipts);
    Appended appended = append(entries);
    long treeSize = appended.checkpoint().treeSize();
    List<ExecutionReceiptAvailableV1> out = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      Placement p = appended.placements().get(i);
      out.add(
          ExecutionReceiptAvailableV1.newBuilder()
              .setJobId(e.receipt().getTaskId())
              .setExecutorDid(e.receipt().getExecutorDid())
              .setReceiptCid(e.cid())
              .setTimestamp(p.anchoredAt())
              .setLogIndex(p.index())
              .setTreeSize(treeSize)
              .addAllInclusionPath(
                  toByteStrings(
                      readTree(
                          () -> StoredTree.inclusionProof(p.index(), treeSize, appended.nodes()))))
              .setCheckpoint(appended.checkpoint().note())
              .build());
    }
    return out;
  }

  /**
   * Verifies and appends a job statement that {@code orchestratorDid} signed (docs/RECEIPTS.md,
   * "Job statements"), returning its inclusion proof against the checkpoint that covers it. It goes
   * through the same appender, group commit and checkpoint as receipts; the same statement sent
   * again keeps its index.
   *
   * @throws MeshException INVALID_ARGUMENT {@code STATEMENT_INVALID}; PERMISSION_DENIED {@code
   *     STATEMENT_NOT_CALLERS}; UNAVAILABLE if the store fails
   */
  public InclusionProof anchorStatement(String orchestratorDid, byte[] leaf) {
    Entry entry = checks.checkStatement(orchestratorDid, leaf);
    Appended appended = append(List.of(entry));
    Placement p = appended.placements().get(0);
    SignedCheckpoint checkpoint = appended.checkpoint();
    List<byte[]> path =
        readTree(
            () -> StoredTree.inclusionProof(p.index(), checkpoint.treeSize(), appended.nodes()));
    return new InclusionProof(entry.cid(), p.index(), leaf, List.copyOf(path), checkpoint);
  }

  private Appended append(List<Entry> entries) {
    AppendRequest request = new AppendRequest(entries, new CompletableFuture<>());
    if (closed) {
      throw closedFailure();
    }
    queue.add(request);
    if (closed) {
      // close() may have drained the queue just before this call was added; fail it too.
      failPending();
    }
    return await(request.done());
  }

  private static Appended await(CompletableFuture<Appended> done) {
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw MeshException.unavailable(
          "INTERRUPTED", "anchoring was interrupted; the receipts may or may not be in the log", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The appender: drains waiting calls into groups and commits each group once. */
  private void run() {
    while (!closed) {
      List<AppendRequest> group = new ArrayList<>();
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        break;
      }
      int receipts = group.get(0).entries().size();
      AppendRequest next;
      while (receipts < MAX_GROUP_RECEIPTS && (next = queue.poll()) != null) {
        group.add(next);
        receipts += next.entries().size();
      }
      try {
        if (storeUncertain) {
          reloadFromStore();
          storeUncertain = false;
        }
        appendGroup(group);
      } catch (LogStoreException e) {
        storeUncertain = true;
        LOG.log(Level.WARNING, "appending " + receipts + " receipts failed", e);
        MeshException failure =
            MeshException.unavailable(
                "LOG_STORE_UNAVAILABLE", "the receipt log could not commit the append", e);
        group.forEach(r -> r.done().completeExceptionally(failure));
      } catch (RuntimeException | Error e) {
        storeUncertain = true;
        LOG.log(Level.SEVERE, "appending " + receipts + " receipts failed", e);
        group.forEach(r -> r.done().completeExceptionally(e));
      }
    }
    failPending();
  }

  private void appendGroup(List<AppendRequest> group) {
    Frontier next = frontier.copy();
    Map<NodeId, byte[]> created = new HashMap<>();
    long now = clock.millis();
    // One query finds the receipts of the group that were anchored before (a retried call).
    Map<String, Placement> placedNow = anchoredBefore(group);
    List<LeafRecord> fresh = new ArrayList<>();
    List<List<Placement>> placements = new ArrayList<>(group.size());
    for (AppendRequest request : group) {
      List<Placement> forRequest = new ArrayList<>(request.entries().size());
      for (Entry e : request.entries()) {
        // Also finds a receipt this group already placed, so one sent twice at once gets one index.
        Placement p = placedNow.get(e.cid());
        if (p == null) {
          p = new Placement(next.size(), now);
          fresh.add(
              new LeafRecord(
                  p.index(),
                  e.cid(),
                  e.jobId(),
                  e.taskId(),
                  e.signerDid(),
                  e.leaf(),
                  e.leafHash(),
                  now));
          next.add(e.leafHash(), created);
          placedNow.put(e.cid(), p);
        }
        forRequest.add(p);
      }
      placements.add(forRequest);
    }

    // Every node a proof against the new tree needs is on the old right edge or was just made;
    // the store is only read for receipts anchored earlier that were sent again.
    Map<NodeId, byte[]> inMemory = frontier.nodes();
    inMemory.putAll(created);
    TreeNodes groupNodes = TreeNodes.layered(inMemory, store::nodes);
    SignedCheckpoint checkpoint = latest;
    if (!fresh.isEmpty()) {
      byte[] root = next.root();
      requireExtends(checkpoint, next.size(), root, groupNodes);
      CheckpointRecord record = sign(next.size(), root);
      store.append(fresh, innerNodes(created), record);
      // Only now is the append durable: publish the new tree.
      frontier = next;
      checkpoint =
          new SignedCheckpoint(origin, record.treeSize(), record.rootHash(), record.note());
      latest = checkpoint;
      anchoredCounter.increment(fresh.size());
    }
    for (int i = 0; i < group.size(); i++) {
      group.get(i).done().complete(new Appended(placements.get(i), checkpoint, groupNodes));
    }
  }

  /** Where the group's receipts that are already in the log sit, by CID. */
  private Map<String, Placement> anchoredBefore(List<AppendRequest> group) {
    List<String> cids = new ArrayList<>();
    for (AppendRequest request : group) {
      for (Entry e : request.entries()) {
        cids.add(e.cid());
      }
    }
    Map<String, Placement> found = new HashMap<>();
    store
        .findByCids(cids)
        .forEach((cid, leaf) -> found.put(cid, new Placement(leaf.index(), leaf.anchoredAt())));
    return found;
  }

  /**
   * Proves, before signing, that the new tree extends the last published one. The single appender
   * makes this true by construction; checking it anyway means no bug and no damaged store can ever
   * make the log sign two checkpoints that are not consistent.
   */
  private static void requireExtends(
      SignedCheckpoint previous, long size, byte[] root, TreeNodes nodes) {
    if (previous.treeSize() == 0) {
      return;
    }
    try {
      MerkleProofs.verifyConsistency(
          previous.treeSize(),
          size,
          previous.rootHash(),
          root,
          StoredTree.consistencyProof(previous.treeSize(), size, nodes));
    } catch (ProofException | RuntimeException e) {
      throw new IllegalStateException(
          "refusing to sign tree size "
              + size
              + ": it is not provably consistent with the published size "
              + previous.treeSize(),
          e);
    }
  }

  private CheckpointRecord sign(long treeSize, byte[] root) {
    String body = new Checkpoint(origin, treeSize, root).body();
    return new CheckpointRecord(treeSize, root, SignedNote.sign(body, origin, logKey));
  }

  /**
   * Returns the receipt with this CID.
   *
   * @throws MeshException NOT_FOUND {@code RECEIPT_NOT_FOUND}
   */
  public StoredReceipt getReceipt(String cid) {
    LeafRecord leaf = findLeaf(cid);
    if (JobStatement.isStatement(leaf.leaf())) {
      throw MeshException.notFound(
              "RECEIPT_NOT_FOUND",
              "CID " + cid + " names a job statement, not a receipt; GetInclusionProof serves it")
          .with("cid", cid);
    }
    return stored(leaf);
  }

  /** The latest signed checkpoint. */
  public SignedCheckpoint latestCheckpoint() {
    return latest;
  }

  /** Every checkpoint the log published, by tree size ascending. */
  public List<SignedCheckpoint> checkpoints() {
    return storeCall(
        () ->
            store.checkpoints().stream()
                .map(c -> new SignedCheckpoint(origin, c.treeSize(), c.rootHash(), c.note()))
                .toList());
  }

  /**
   * Proves that the receipt with this CID is in the tree of {@code treeSize} leaves (0 for the
   * latest checkpoint), which must be a size the log published a checkpoint for.
   *
   * @throws MeshException NOT_FOUND for an unknown CID or an unpublished size; INVALID_ARGUMENT for
   *     a size beyond the log; FAILED_PRECONDITION if the receipt came after that size
   */
  public InclusionProof inclusionProof(String cid, long treeSize) {
    LeafRecord leaf = findLeaf(cid);
    SignedCheckpoint checkpoint = checkpointAt(treeSize);
    if (leaf.index() >= checkpoint.treeSize()) {
      throw MeshException.failedPrecondition(
              "RECEIPT_NOT_IN_TREE",
              "receipt "
                  + cid
                  + " has index "
                  + leaf.index()
                  + ", after the tree of "
                  + checkpoint.treeSize()
                  + " leaves")
          .with("log_index", leaf.index())
          .with("tree_size", checkpoint.treeSize());
    }
    List<byte[]> path =
        readTree(
            () -> StoredTree.inclusionProof(leaf.index(), checkpoint.treeSize(), store::nodes));
    return new InclusionProof(cid, leaf.index(), leaf.leaf(), List.copyOf(path), checkpoint);
  }

  private SignedCheckpoint checkpointAt(long treeSize) {
    SignedCheckpoint current = latest;
    if (treeSize == 0 || treeSize == current.treeSize()) {
      return current;
    }
    if (treeSize < 0 || treeSize > current.treeSize()) {
      throw MeshException.invalidArgument(
              "TREE_SIZE_BEYOND_LOG",
              "tree_size " + treeSize + " is beyond the log's " + current.treeSize() + " leaves")
          .with("tree_size", treeSize)
          .with("latest_tree_size", current.treeSize());
    }
    CheckpointRecord c =
        storeCall(() -> store.checkpoint(treeSize))
            .orElseThrow(
                () ->
                    MeshException.notFound(
                            "CHECKPOINT_NOT_FOUND",
                            "the log published no checkpoint for tree size " + treeSize)
                        .with("tree_size", treeSize));
    return new SignedCheckpoint(origin, c.treeSize(), c.rootHash(), c.note());
  }

  /**
   * Proves that the tree of {@code fromSize} leaves is a prefix of the tree of {@code toSize}
   * leaves (0 for the latest checkpoint's size).
   *
   * @throws MeshException INVALID_ARGUMENT unless {@code 1 <= fromSize <= toSize <= size}
   */
  public ConsistencyProof consistencyProof(long fromSize, long toSize) {
    long size = latest.treeSize();
    long to = toSize == 0 ? size : toSize;
    if (fromSize < 1 || fromSize > to || to > size) {
      throw MeshException.invalidArgument(
              "TREE_SIZES_INVALID",
              "a consistency proof needs 1 <= from_size <= to_size <= "
                  + size
                  + ", got from_size "
                  + fromSize
                  + " and to_size "
                  + to)
          .with("from_size", fromSize)
          .with("to_size", to)
          .with("latest_tree_size", size);
    }
    List<byte[]> path = readTree(() -> StoredTree.consistencyProof(fromSize, to, store::nodes));
    return new ConsistencyProof(fromSize, to, List.copyOf(path));
  }

  /**
   * Returns the leaf bytes of up to {@code count} leaves (1 to 1000) from {@code fromIndex} on,
   * within the tree of {@code treeSize} leaves, for auditors that recompute the tree from every
   * leaf.
   *
   * @throws MeshException INVALID_ARGUMENT {@code TREE_SIZE_BEYOND_LOG} if {@code treeSize} is
   *     beyond the latest checkpoint or {@code fromIndex} beyond {@code treeSize}
   */
  public List<byte[]> leaves(long fromIndex, int count, long treeSize) {
    if (count < 1 || count > 1000) {
      throw new IllegalArgumentException("count " + count + " is outside 1..1000");
    }
    long size = latest.treeSize();
    if (treeSize > size || fromIndex < 0 || fromIndex > treeSize) {
      throw MeshException.invalidArgument(
              "TREE_SIZE_BEYOND_LOG",
              "start_index " + fromIndex + " is beyond the log's " + treeSize + " leaves")
          .with("start_index", fromIndex)
          .with("latest_tree_size", size);
    }
    int limit = (int) Math.min(count, treeSize - fromIndex);
    if (limit == 0) {
      return List.of();
    }
    return storeCall(() -> store.leaves(fromIndex, limit)).stream().map(LeafRecord::leaf).toList();
  }

  /**
   * Lists the receipts of one job in log order, {@code pageSize} (1 to 1000) at a time.
   *
   * @param pageToken empty for the first page, else a previous page's token
   * @throws MeshException INVALID_ARGUMENT {@code PAGE_TOKEN_INVALID} for a token this log did not
   *     issue
   */
  public ReceiptPage listByJob(String jobId, int pageSize, String pageToken) {
    if (pageSize < 1 || pageSize > 1000) {
      throw new IllegalArgumentException("page size " + pageSize + " is outside 1..1000");
    }
    long after = pageToken.isEmpty() ? -1 : PageToken.decode(pageToken);
    // One extra row tells whether another page exists without a second query.
    List<LeafRecord> rows = storeCall(() -> store.listByJob(jobId, after, pageSize + 1));
    boolean more = rows.size() > pageSize;
    List<LeafRecord> page = more ? rows.subList(0, pageSize) : rows;
    // A job's statement shares the job id with its receipts; the page lists receipts only (and
    // may come out shorter for it, the token still marks where the next one starts).
    List<StoredReceipt> receipts =
        page.stream()
            .filter(leaf -> !JobStatement.isStatement(leaf.leaf()))
            .map(ReceiptLog::stored)
            .toList();
    String token = more ? PageToken.encode(page.get(page.size() - 1).index()) : "";
    return new ReceiptPage(receipts, token);
  }

  private LeafRecord findLeaf(String cid) {
    return storeCall(() -> store.findByCid(cid))
        .orElseThrow(
            () ->
                MeshException.notFound(
                        "RECEIPT_NOT_FOUND", "no receipt with CID " + cid + " in the log")
                    .with("cid", cid));
  }

  private static StoredReceipt stored(LeafRecord leaf) {
    ExecutionReceipt receipt = ReceiptCodec.fromLeafBytes(leaf.leaf());
    return new StoredReceipt(leaf.cid(), leaf.index(), receipt, leaf.leaf(), leaf.anchoredAt());
  }

  /** Runs a proof over stored subtrees, mapping a failed read or a missing subtree. */
  private static <T> T readTree(java.util.function.Supplier<T> proof) {
    try {
      return storeCall(proof);
    } catch (StoredTree.MissingNodeException e) {
      LOG.log(Level.SEVERE, "the receipt log store is damaged", e);
      throw MeshException.unavailable(
          "LOG_STORE_DAMAGED", "the receipt log store lacks a tree node; run fsck", e);
    }
  }

  private static <T> T storeCall(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (LogStoreException e) {
      LOG.log(Level.WARNING, "reading the receipt log store failed", e);
      throw MeshException.unavailable(
          "LOG_STORE_UNAVAILABLE", "the receipt log store cannot be read", e);
    }
  }

  private static List<com.google.protobuf.ByteString> toByteStrings(List<byte[]> hashes) {
    return hashes.stream().map(com.google.protobuf.ByteString::copyFrom).toList();
  }

  private static MeshException closedFailure() {
    return MeshException.unavailable("LOG_CLOSED", "the receipt log is shutting down", null);
  }

  private void failPending() {
    AppendRequest r;
    while ((r = queue.poll()) != null) {
      r.done().completeExceptionally(closedFailure());
    }
  }

  /**
   * Stops the appender after the group it is committing, and fails calls still waiting. Does not
   * close the store.
   */
  @Override
  public void close() {
    closed = true;
    appender.interrupt();
    try {
      appender.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failPending();
  }

  /** Where a receipt landed. */
  private record Placement(long index, long anchoredAt) {}

  /** One anchor call waiting for the appender. */
  private record AppendRequest(List<Entry> entries, CompletableFuture<Appended> done) {}

  /** The appender's answer to one call: a placement per entry and the checkpoint covering them. */
  private record Appended(
      List<Placement> placements, SignedCheckpoint checkpoint, TreeNodes nodes) {}
}

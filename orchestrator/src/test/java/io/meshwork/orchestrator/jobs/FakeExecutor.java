package io.meshwork.orchestrator.jobs;

import io.meshwork.content.Cid;
import io.meshwork.orchestrator.tasks.AnnounceAnswer;
import io.meshwork.orchestrator.tasks.Announcement;
import io.meshwork.orchestrator.tasks.AssignAnswer;
import io.meshwork.orchestrator.tasks.Assignment;
import io.meshwork.orchestrator.tasks.Chunk;
import io.meshwork.orchestrator.tasks.ExecutorCapacity;
import io.meshwork.orchestrator.tasks.ExecutorHandle;
import io.meshwork.orchestrator.tasks.Offer;
import io.meshwork.orchestrator.tasks.PendingResults;
import io.meshwork.orchestrator.tasks.Receipt;
import io.meshwork.orchestrator.tasks.RemoteCallFailed;
import io.meshwork.orchestrator.tasks.TaskPacket;
import io.meshwork.orchestrator.tasks.TaskResult;
import io.meshwork.wasm.abi.FrameList;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One executor behind the fleet port, speaking the protocol the way a real one answers, honest or
 * not. Its "module" is plain Java: {@code execute} upper-cases the chunk, {@code merge} joins the
 * chunk results with '|', so every result says which chunks it came from and in what order.
 */
final class FakeExecutor implements ExecutorHandle {
  /** How it answers. */
  enum Conduct {
    /** Runs the task and returns the result with a receipt for it. */
    HONEST,
    /** Returns a wrong result of its own with a receipt that matches it: only a rerun shows. */
    LIAR,
    /** Returns bytes other than those its signed receipt names. */
    CONTRADICTS
  }

  final String did;
  final String endpoint;
  volatile long price = 10;
  volatile int slots = 2;
  volatile Conduct conduct = Conduct.HONEST;
  // When set, declines every announcement with this reason.
  volatile String declines;
  // Declines this many announcements as BUSY before it bids.
  final AtomicInteger busyDeclines = new AtomicInteger();
  // When set, bids in this DID's name, though the channel proves its own (an impersonator).
  volatile String bidsAs;
  volatile boolean unreachable;
  // Bids, but never answers an assignment in time (a stalled process, a lost network).
  volatile boolean silentOnAssign;
  // Refuses this many assignments as BUSY before it takes one.
  final AtomicInteger busyRefusals = new AtomicInteger();
  // When set, acknowledges assignments and keeps their results until release(); queued says
  // whether it reports them as waiting for a slot (work stealing may take them back).
  volatile boolean holding;
  volatile boolean queued;

  final List<Assignment> assignments = new CopyOnWriteArrayList<>();
  final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
  private final Map<String, TaskResult> held = new ConcurrentHashMap<>();
  private final Map<String, byte[]> committed = new ConcurrentHashMap<>();
  private final PendingResults deliverTo;
  private final MemoryBlobs blobs;
  // Chunks that came by reference and were fetched from the blob store.
  final List<Chunk> fetched = new CopyOnWriteArrayList<>();

  FakeExecutor(String name, PendingResults deliverTo, MemoryBlobs blobs) {
    this.did = "did:key:z6MkFake" + name;
    this.endpoint = "fake-" + name;
    this.deliverTo = deliverTo;
    this.blobs = blobs;
  }

  /** The chunk's bytes: carried in the task, or fetched by reference as an executor would. */
  private byte[] bytes(Chunk chunk) {
    if (chunk.inline()) {
      return chunk.bytes();
    }
    fetched.add(chunk);
    try (var in = blobs.read(chunk.blobCid(), chunk.offset(), chunk.rangeLength())) {
      byte[] range = in.readAllBytes();
      // As an executor does: the prefix goes first, and the CID is over both.
      byte[] bytes = new byte[chunk.prefix().length + range.length];
      System.arraycopy(chunk.prefix(), 0, bytes, 0, chunk.prefix().length);
      System.arraycopy(range, 0, bytes, chunk.prefix().length, range.length);
      if (!Cid.of(bytes).equals(chunk.cid())) {
        throw new AssertionError("the reference's bytes are not chunk " + chunk.cid());
      }
      return bytes;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The honest result of {@code task}. */
  static byte[] honest(String export, byte[] chunk) {
    if ("merge".equals(export)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<byte[]> frames = FrameList.decode(chunk);
      for (int i = 0; i < frames.size(); i++) {
        if (i > 0) {
          out.write('|');
        }
        out.writeBytes(frames.get(i));
      }
      return out.toByteArray();
    }
    return new String(chunk, StandardCharsets.UTF_8)
        .toUpperCase(Locale.ROOT)
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String endpoint() {
    return endpoint;
  }

  @Override
  public AnnounceAnswer announce(Announcement announcement, Duration wait) {
    refuseIfUnreachable();
    if (busyDeclines.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return AnnounceAnswer.declined("BUSY", "every task slot and queue place is taken");
    }
    if (declines != null) {
      return AnnounceAnswer.declined(declines, "this fake declines");
    }
    String named = bidsAs == null ? did : bidsAs;
    // As over TLS: the answer comes from the identity this executor's certificate names.
    return AnnounceAnswer.of(new Offer(named, price, load(), true, slots)).answeredBy(did);
  }

  @Override
  public AssignAnswer assign(Assignment a, Duration wait) {
    refuseIfUnreachable();
    if (silentOnAssign) {
      assignments.add(a);
      throw new RemoteCallFailed(
          "DEADLINE_EXCEEDED: " + endpoint + " gave no answer",
          "Status{code=DEADLINE_EXCEEDED}",
          true);
    }
    synchronized (assignments) {
      assignments.add(a);
      assignments.notifyAll();
    }
    if (busyRefusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return new AssignAnswer(false, "every slot is taken", "BUSY", false, null);
    }
    TaskResult result = run(a);
    if (holding) {
      held.put(a.assignmentId(), result);
      return new AssignAnswer(true, "", "", queued, null);
    }
    return new AssignAnswer(true, "", "", false, result);
  }

  private TaskResult run(Assignment a) {
    TaskPacket task = a.task();
    byte[] output =
        conduct == Conduct.LIAR
            ? ("lie from " + did + " about " + task.taskId()).getBytes(StandardCharsets.UTF_8)
            : honest(task.exportName(), bytes(task.chunk()));
    String outputCid = Cid.of(output);
    Receipt receipt =
        new Receipt(
            task.taskId(),
            task.jobId(),
            did,
            a.assignmentId(),
            task.moduleCid(),
            task.chunk().cid(),
            outputCid,
            task.exportName(),
            7L * task.chunk().size(),
            (did + "|" + a.assignmentId() + "|" + outputCid).getBytes(StandardCharsets.UTF_8));
    if (a.commitFirst()) {
      committed.put(a.assignmentId(), output);
      return result(a, "committed", new byte[0], outputCid, receipt);
    }
    byte[] data = output;
    if (conduct == Conduct.CONTRADICTS) {
      data = ("not what was signed: " + new String(output, StandardCharsets.UTF_8)).getBytes();
    }
    return result(a, "completed", data, Cid.of(data), receipt);
  }

  private TaskResult result(
      Assignment a, String status, byte[] data, String hash, Receipt receipt) {
    return new TaskResult(
        a.taskId(),
        a.assignmentId(),
        status,
        data,
        hash,
        did,
        List.of(receipt),
        null,
        null,
        "",
        receipt.fuelUsed(),
        0,
        1,
        new byte[0]);
  }

  /** Waits until this executor has been sent {@code n} assignments. */
  void awaitAssignments(int n) throws InterruptedException {
    long until = System.nanoTime() + 30_000_000_000L;
    synchronized (assignments) {
      while (assignments.size() < n) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(endpoint + " got " + assignments.size() + " of " + n);
        }
        assignments.wait(left / 1_000_000 + 1);
      }
    }
  }

  /** Delivers every held result, as ReturnTaskResult would. */
  void release() {
    holding = false;
    for (String id : List.copyOf(held.keySet())) {
      TaskResult r = held.remove(id);
      if (r != null) {
        deliverTo.accept(r, new PendingResults.Sender(did, false));
      }
    }
  }

  /** Assignments acknowledged and not yet answered. */
  int holdingCount() {
    return held.size();
  }

  @Override
  public void cancel(String assignmentId) {
    cancelled.add(assignmentId);
    held.remove(assignmentId);
  }

  @Override
  public boolean withdraw(String assignmentId) {
    if (queued && held.remove(assignmentId) != null) {
      withdrawn.add(assignmentId);
      return true;
    }
    return false;
  }

  @Override
  public byte[] reveal(String assignmentId, Duration wait) {
    refuseIfUnreachable();
    byte[] bytes = committed.get(assignmentId);
    if (bytes == null) {
      throw new RemoteCallFailed("NOT_FOUND: no such commitment", "NOT_FOUND", false);
    }
    return bytes;
  }

  @Override
  public ExecutorCapacity capacity(Duration wait) {
    refuseIfUnreachable();
    int waiting = queued ? held.size() : 0;
    int running = queued ? 0 : held.size();
    return new ExecutorCapacity(did, 2, 1024, load(), slots, running, waiting);
  }

  @Override
  public String identify(Duration wait) {
    refuseIfUnreachable();
    return did;
  }

  private double load() {
    return (double) held.size() / Math.max(1, slots);
  }

  private void refuseIfUnreachable() {
    if (unreachable) {
      throw new RemoteCallFailed(
          "UNAVAILABLE: " + endpoint + " refused the connection",
          "Status{code=UNAVAILABLE, description=connection refused}",
          true);
    }
  }
}

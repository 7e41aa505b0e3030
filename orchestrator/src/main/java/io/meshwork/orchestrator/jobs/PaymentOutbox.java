package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.ServiceMetrics;
import io.meshwork.runtime.errors.MeshException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The settlement outbox: pays every payment a journaled task owes, with the same request id, until
 * the ledger acknowledges it; keeps the hold it pays from alive; and releases a job's hold only
 * once the job has ended and owes nothing.
 *
 * <p>A payment is owed from the moment its task is journaled ({@link JobStore#saveTask}) until the
 * journal marks it paid ({@link SettlementJournal#markPaid}). It is tried at once by the task's
 * thread; if the ledger cannot be reached, a worker thread tries again with a back-off that doubles
 * up to {@link Options#maxRetryDelay}, for as long as it takes, and after a restart it takes up
 * whatever the journal still shows owed. The ledger answers a repeated request id with its first
 * outcome, so a payment acknowledged but not yet marked is simply acknowledged again.
 *
 * <p>A job's hold lives {@link Options#holdLease} past its last extension, and the worker extends
 * it every third of that while the job runs or owes. If the hold expired anyway (the orchestrator
 * was down longer than the lease), what is still owed is paid from a new hold of the submitter's
 * mana taken in its place. That is safe against paying twice: each owed payment is first sent again
 * to the expired hold under its original id, which the ledger answers with its recorded success if
 * it was paid, or refuses because the hold is closed, and a closed hold never pays again; only then
 * is it paid from the new hold, under an id of its own ({@code <id>@<hold>}). A payment moves one
 * hold along the chain per refusal of that very hold, however many threads are told of it (the
 * task's thread, the worker, a replacement under way): skipping a hold that may have paid it is how
 * it would be paid twice.
 */
final class PaymentOutbox implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PaymentOutbox.class.getName());

  /**
   * How the outbox paces itself.
   *
   * @param holdLease how long a hold lives past its last extension
   * @param firstRetryDelay the wait before the first retry after a failure
   * @param maxRetryDelay the longest wait between retries
   */
  record Options(Duration holdLease, Duration firstRetryDelay, Duration maxRetryDelay) {
    /** The delays the orchestrator uses, with its hold lease. */
    static Options withLease(Duration holdLease) {
      return new Options(holdLease, Duration.ofMillis(200), Duration.ofSeconds(5));
    }
  }

  /** One owed payment as the outbox works on it. */
  private static final class Pending {
    final SettlementJournal.Owed owed;
    // The first hold of the job's chain the payment may still be paid from: each before it refused
    // it because it was closed. Guarded by this object: the task's thread, the worker and a
    // replacement may all be settling it at once.
    private int from;
    boolean busy;

    Pending(SettlementJournal.Owed owed) {
      this.owed = owed;
    }

    String key() {
      return owed.taskId() + "#" + owed.position();
    }

    synchronized int from() {
      return from;
    }

    /**
     * Hold {@code index} refused the payment because it is closed. It moves past that hold and no
     * further: two threads told of the same refusal must not skip the next hold, which may have
     * paid it already (that is how a payment would be paid twice).
     */
    synchronized void refusedBy(int index) {
      from = Math.max(from, index + 1);
    }

    /** Starts at hold {@code index}, every hold before it being closed and settled already. */
    synchronized void startAt(int index) {
      from = Math.max(from, index);
    }
  }

  /** What the outbox knows of one job whose hold is not released yet. */
  private static final class Account {
    final String jobId;
    final String payer;
    final long budget;
    // The job's first hold, then each taken in place of the one before.
    final List<String> holds = new ArrayList<>();
    final Map<String, Pending> owed = new ConcurrentHashMap<>();
    // A replacement journaled whose creation the ledger has not answered yet.
    SettlementJournal.ReplacementHold creating;
    long acknowledged;
    boolean ended;
    String endedAs = "";
    long extendedAt;

    Account(String jobId, String payer, long budget, String holdId, long now) {
      this.jobId = jobId;
      this.payer = payer;
      this.budget = budget;
      this.holds.add(holdId);
      this.extendedAt = now;
    }

    synchronized List<String> chain() {
      return List.copyOf(holds);
    }

    synchronized String current() {
      return holds.get(holds.size() - 1);
    }
  }

  private final JobStore store;
  private final ManaAccounts mana;
  private final LedgerRequests requests;
  private final SettlementGaps gaps;
  private final Clock clock;
  private final Options options;
  private final ServiceMetrics.Counter retries;
  private final java.util.concurrent.atomic.AtomicLong retryCount =
      new java.util.concurrent.atomic.AtomicLong();
  private final ServiceMetrics.Counter acknowledgedPayments;
  private final Map<String, Account> accounts = new ConcurrentHashMap<>();
  private final Object signal = new Object();
  private boolean signalled;
  private volatile boolean closed;
  private Thread worker;

  PaymentOutbox(
      JobStore store,
      ManaAccounts mana,
      LedgerRequests requests,
      SettlementGaps gaps,
      Clock clock,
      Options options,
      ServiceMetrics metrics) {
    this.store = store;
    this.mana = mana;
    this.requests = requests;
    this.gaps = gaps;
    this.clock = clock;
    this.options = options;
    this.retries =
        metrics.counter(
            "meshwork.orchestrator.settlement.retries",
            "settlement calls (anchoring, payments, hold extensions and releases) that failed and"
                + " are tried again");
    this.acknowledgedPayments =
        metrics.counter(
            "meshwork.orchestrator.settlement.payments",
            "payments of journaled tasks the ledger acknowledged");
    metrics.gauge(
        "meshwork.orchestrator.settlement.owed",
        "payments of journaled tasks the ledger has not acknowledged yet",
        this::owedCount);
  }

  /** Payments owed now, over every job. */
  int owedCount() {
    return accounts.values().stream().mapToInt(a -> a.owed.size()).sum();
  }

  /** Counts a settlement call that failed and is tried again (anchoring counts here too). */
  void retried() {
    retries.increment();
    retryCount.incrementAndGet();
  }

  /** How many settlement calls were tried again, for tests. */
  long retries() {
    return retryCount.get();
  }

  /**
   * Takes up, from the journal, every job whose hold is not released, with what it owes, and starts
   * the worker that pays it. Called once, when this orchestrator starts leading.
   */
  synchronized void recover() {
    for (String jobId : store.unreleased()) {
      Optional<JobRecord> found = store.find(jobId);
      if (found.isEmpty() || found.get().holdId() == null) {
        continue;
      }
      JobRecord r = found.get();
      Account a = new Account(jobId, r.submitterDid(), r.budget(), r.holdId(), 0);
      for (SettlementJournal.ReplacementHold h : store.replacementHolds(jobId)) {
        if (h.holdId() == null) {
          a.creating = h;
        } else {
          a.holds.add(h.holdId());
        }
      }
      long all = 0;
      for (TaskRecord t : store.tasks(jobId)) {
        all += t.payments().stream().mapToLong(TaskRecord.Payment::price).sum();
      }
      long owed = 0;
      for (SettlementJournal.Owed o : store.unpaid(jobId)) {
        Pending p = new Pending(o);
        a.owed.put(p.key(), p);
        owed += o.payment().price();
      }
      a.acknowledged = all - owed;
      a.ended = r.state().terminal();
      a.endedAs = r.state().wireName();
      accounts.put(jobId, a);
    }
    startWorker();
    wake();
  }

  private synchronized void startWorker() {
    if (worker == null && !closed) {
      worker = Thread.ofVirtual().name("settlement-outbox").start(this::work);
    }
  }

  /** Opens the account of a job just accepted, whose budget is held by {@code holdId}. */
  void opened(String jobId, String payer, long budget, String holdId) {
    accounts.computeIfAbsent(jobId, id -> new Account(id, payer, budget, holdId, clock.millis()));
    startWorker();
  }

  /**
   * Owes the payments of a task just journaled, and tries each once now; what the ledger does not
   * acknowledge now the worker pays later.
   */
  void owe(TaskRecord task) {
    Account a = accounts.get(task.jobId());
    if (a == null) {
      throw new IllegalStateException("no open account for job " + task.jobId());
    }
    List<TaskRecord.Payment> payments = task.payments();
    List<Pending> added = new ArrayList<>();
    for (int i = 0; i < payments.size(); i++) {
      Pending p =
          new Pending(new SettlementJournal.Owed(task.jobId(), task.taskId(), i, payments.get(i)));
      if (a.owed.putIfAbsent(p.key(), p) == null) {
        added.add(p);
      }
    }
    gaps.reached(SettlementGaps.Gap.AFTER_JOURNAL, task.taskId());
    for (Pending p : added) {
      try {
        tryPay(a, p);
      } catch (RuntimeException e) {
        LOG.log(
            Level.INFO,
            "payment " + p.key() + " is owed and will be tried again: " + e.getMessage());
        retried();
        wake();
      }
    }
  }

  /**
   * The job has ended and its outcome is journaled: releases its hold now if it owes nothing and
   * the ledger answers, and returns what the release gave back; otherwise the worker releases it
   * once every payment is acknowledged.
   */
  OptionalLong ended(String jobId, String state) {
    Account a = accounts.get(jobId);
    if (a == null) {
      return OptionalLong.empty();
    }
    synchronized (a) {
      a.ended = true;
      a.endedAs = state;
    }
    try {
      return releaseIfDone(a);
    } catch (RuntimeException e) {
      LOG.log(
          Level.INFO,
          "the hold of job " + jobId + " is released once the ledger answers: " + e.getMessage());
      retried();
      wake();
      return OptionalLong.empty();
    }
  }

  /** Whether the outbox still has work for {@code jobId} (owed payments or a hold to release). */
  boolean open(String jobId) {
    return accounts.containsKey(jobId);
  }

  /** Sends one owed payment along the job's holds until one acknowledges it; true once paid. */
  private boolean tryPay(Account a, Pending p) {
    synchronized (p) {
      if (p.busy || !a.owed.containsKey(p.key())) {
        return false;
      }
      p.busy = true;
    }
    try {
      while (true) {
        if (a.owed.get(p.key()) != p) {
          // Settled meanwhile by a replacement of the hold, which sent it the same request.
          return false;
        }
        List<String> chain = a.chain();
        int index = p.from();
        if (index >= chain.size()) {
          replace(a, chain.get(chain.size() - 1));
          if (a.chain().size() == chain.size()) {
            // Nothing to pay from (no budget left to hold): the account says why in the log.
            return false;
          }
          continue;
        }
        if (!payFrom(a, p, chain, index)) {
          continue;
        }
        return true;
      }
    } finally {
      synchronized (p) {
        p.busy = false;
      }
    }
  }

  /**
   * Sends {@code p} to hold {@code index} of the chain under that hold's request id; returns true
   * once acknowledged, false if the hold refused it because it is closed (the payment moves past
   * it). The ledger answers a repeated id with its first outcome before it looks at the hold, so a
   * refusal means this hold never paid it, and never will.
   */
  private boolean payFrom(Account a, Pending p, List<String> chain, int index) {
    String hold = chain.get(index);
    TaskRecord.Payment pay = p.owed.payment();
    String first = requests.pay(p.owed.taskId(), pay.executorDid(), p.owed.position());
    String requestId = index == 0 ? first : first + "@" + hold;
    try {
      mana.pay(requestId, hold, pay.executorDid(), pay.price(), p.owed.taskId());
    } catch (MeshException e) {
      if (holdClosed(e)) {
        p.refusedBy(index);
        return false;
      }
      throw e;
    }
    gaps.reached(SettlementGaps.Gap.AFTER_PAY, p.owed.taskId());
    store.markPaid(p.owed);
    // Counted once, by whichever thread's acknowledgement comes first.
    if (a.owed.remove(p.key(), p)) {
      synchronized (a) {
        a.acknowledged += pay.price();
      }
      acknowledgedPayments.increment();
    }
    return true;
  }

  /**
   * Takes a hold in place of {@code expired}, the last of the job's holds, once every owed payment
   * has been settled against it; does nothing if that was done already.
   */
  private void replace(Account a, String expired) {
    synchronized (a) {
      if (!a.current().equals(expired)) {
        return;
      }
      SettlementJournal.ReplacementHold r = a.creating;
      if (r == null) {
        int last = a.holds.size() - 1;
        List<String> chain = a.chain();
        // Every owed payment learns first whether the expired hold paid it (then it is marked),
        // so that the amount below counts exactly what is still owed, on every retry alike.
        for (Pending p : List.copyOf(a.owed.values())) {
          p.startAt(last);
          if (p.from() == last) {
            payFrom(a, p, chain, last);
          }
        }
        long owed = a.owed.values().stream().mapToLong(p -> p.owed.payment().price()).sum();
        long amount = a.ended ? owed : a.budget - a.acknowledged;
        if (amount <= 0) {
          LOG.warning(
              "the hold "
                  + expired
                  + " of job "
                  + a.jobId
                  + " expired; nothing is left to hold in its place");
          return;
        }
        r = store.replaceHold(a.jobId, expired, amount);
        a.creating = r;
      }
      LOG.warning(
          "the hold "
              + expired
              + " of job "
              + a.jobId
              + " expired; holding "
              + r.amount()
              + " of "
              + a.payer
              + "'s mana in its place for what the job still owes");
      String holdId =
          mana.hold(
              requests.hold(a.jobId) + ":after:" + expired,
              a.payer,
              r.amount(),
              a.jobId,
              options.holdLease().toMillis());
      store.replacementCreated(expired, holdId);
      a.creating = null;
      a.holds.add(holdId);
      a.extendedAt = clock.millis();
    }
  }

  /** Releases the job's hold if it has ended and owes nothing; returns what came back. */
  private OptionalLong releaseIfDone(Account a) {
    synchronized (a) {
      if (!a.ended || !a.owed.isEmpty() || accounts.get(a.jobId) != a) {
        return OptionalLong.empty();
      }
      List<String> chain = a.chain();
      String hold = a.current();
      String id = requests.release(a.jobId);
      long refunded;
      try {
        refunded = mana.release(chain.size() == 1 ? id : id + "@" + hold, hold, "job " + a.endedAs);
      } catch (MeshException e) {
        if (!holdClosed(e)) {
          throw e;
        }
        // Expired: the ledger returned the rest by itself.
        refunded = 0;
      }
      store.markReleased(a.jobId, refunded);
      accounts.remove(a.jobId);
      return OptionalLong.of(refunded);
    }
  }

  /** Extends the job's current hold if a third of the lease has passed since the last time. */
  private void extendIfDue(Account a, long now) {
    long lease = options.holdLease().toMillis();
    if (now - a.extendedAt < lease / 3) {
      return;
    }
    String hold = a.current();
    try {
      mana.extend(requests.extend(hold, now), hold, lease);
      a.extendedAt = now;
    } catch (MeshException e) {
      if (!holdClosed(e)) {
        throw e;
      }
      replace(a, hold);
    }
  }

  private static final Set<String> CLOSED =
      Set.of("HOLD_EXPIRED", "HOLD_ALREADY_VOIDED", "HOLD_ALREADY_POSTED", "HOLD_CLOSED");

  private static boolean holdClosed(MeshException e) {
    return e.kind() == MeshException.Kind.FAILED_PRECONDITION && CLOSED.contains(e.reason());
  }

  private void wake() {
    synchronized (signal) {
      signalled = true;
      signal.notifyAll();
    }
  }

  /** The worker: rounds over every open account, paced by the lease and by failures. */
  private void work() {
    long delay = options.firstRetryDelay().toMillis();
    boolean failing = false;
    while (!closed) {
      long wait = failing ? delay : Math.max(50, options.holdLease().toMillis() / 3);
      synchronized (signal) {
        if (!signalled) {
          try {
            signal.wait(wait);
          } catch (InterruptedException e) {
            return;
          }
        }
        signalled = false;
      }
      if (closed) {
        return;
      }
      boolean failed = false;
      long now = clock.millis();
      for (Account a : List.copyOf(accounts.values())) {
        try {
          SettlementJournal.ReplacementHold creating;
          synchronized (a) {
            creating = a.creating;
          }
          if (creating != null) {
            // Finishes that replacement, of the hold it names: asking to replace whatever hold is
            // current would, once another thread has finished it, replace the new, open hold.
            replace(a, creating.replacedHoldId());
          }
          extendIfDue(a, now);
          for (Pending p : List.copyOf(a.owed.values())) {
            tryPay(a, p);
          }
          releaseIfDone(a);
        } catch (RuntimeException e) {
          failed = true;
          retried();
          LOG.log(
              failing ? Level.FINE : Level.INFO,
              "settling job " + a.jobId + " failed; retrying: " + e.getMessage());
        }
      }
      if (failed) {
        delay = failing ? Math.min(delay * 2, options.maxRetryDelay().toMillis()) : delay;
        failing = true;
      } else {
        failing = false;
        delay = options.firstRetryDelay().toMillis();
      }
    }
  }

  /** Stops the worker; what is owed stays in the journal for the next start. */
  @Override
  public void close() {
    closed = true;
    wake();
  }
}

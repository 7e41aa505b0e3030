package io.meshwork.ledger.grpc;

import io.meshwork.ledger.core.Account;
import io.meshwork.ledger.core.EntryKind;
import io.meshwork.ledger.core.HistoryEntry;
import io.meshwork.ledger.core.Hold;
import io.meshwork.ledger.core.HoldState;
import io.meshwork.ledger.core.Regeneration;

/** Converts the ledger's domain values to their protobuf messages. */
final class LedgerProtos {
  private LedgerProtos() {}

  static io.meshwork.ledger.v1.Account toProto(Account a, long floor) {
    return io.meshwork.ledger.v1.Account.newBuilder()
        .setDid(a.did())
        .setBalance(a.balance())
        .setHeld(a.held())
        .setAvailable(a.available())
        .setCreatedAt(a.createdAt())
        .setFloor(floor)
        .build();
  }

  static io.meshwork.ledger.v1.Regeneration toProto(Regeneration r) {
    if (!r.enabled()) {
      return io.meshwork.ledger.v1.Regeneration.getDefaultInstance();
    }
    return io.meshwork.ledger.v1.Regeneration.newBuilder()
        .setAmount(r.amount())
        .setIntervalMs(r.interval().toMillis())
        .setCap(r.cap())
        .build();
  }

  static io.meshwork.ledger.v1.Hold toProto(Hold h) {
    return io.meshwork.ledger.v1.Hold.newBuilder()
        .setHoldId(h.holdId())
        .setPayerDid(h.payerDid())
        .setAmount(h.amount())
        .setPosted(h.posted())
        .setRemaining(h.remaining())
        .setState(toProto(h.state()))
        .setJobId(h.jobId())
        .setCreatedAt(h.createdAt())
        .setExpiresAt(h.expiresAt())
        .setCreatorDid(h.creatorDid())
        .build();
  }

  static io.meshwork.ledger.v1.HistoryEntry toProto(HistoryEntry e) {
    return io.meshwork.ledger.v1.HistoryEntry.newBuilder()
        .setEntryId(e.entryId())
        .setKind(toProto(e.kind()))
        .setBalanceDelta(e.balanceDelta())
        .setHeldDelta(e.heldDelta())
        .setBalanceAfter(e.balanceAfter())
        .setHeldAfter(e.heldAfter())
        .setRequestId(e.requestId())
        .setCounterpartyDid(e.counterpartyDid())
        .setJobId(e.jobId())
        .setHoldId(e.holdId())
        .setTaskId(e.taskId())
        .setMemo(e.memo())
        .setAt(e.at())
        .build();
  }

  static io.meshwork.ledger.v1.HoldState toProto(HoldState s) {
    return switch (s) {
      case PENDING -> io.meshwork.ledger.v1.HoldState.HOLD_STATE_PENDING;
      case POSTED -> io.meshwork.ledger.v1.HoldState.HOLD_STATE_POSTED;
      case VOIDED -> io.meshwork.ledger.v1.HoldState.HOLD_STATE_VOIDED;
      case EXPIRED -> io.meshwork.ledger.v1.HoldState.HOLD_STATE_EXPIRED;
    };
  }

  static io.meshwork.ledger.v1.EntryKind toProto(EntryKind k) {
    return switch (k) {
      case MINT -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_MINT;
      case HOLD -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_HOLD;
      case POST -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_POST;
      case RELEASE -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_RELEASE;
      case EXPIRE -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_EXPIRE;
      case TRANSFER -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_TRANSFER;
      case REGENERATE -> io.meshwork.ledger.v1.EntryKind.ENTRY_KIND_REGENERATE;
    };
  }
}

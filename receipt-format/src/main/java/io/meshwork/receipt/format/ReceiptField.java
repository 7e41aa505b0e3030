package io.meshwork.receipt.format;

import io.meshwork.mesh.v1.ExecutionReceipt;
import io.meshwork.mesh.v1.ResourceLimits;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The fields of the canonical receipt encoding, in their fixed order, with their one-byte tags.
 *
 * <p>This table is the single source of the order for both encoding and decoding; docs/RECEIPTS.md
 * shows the same table. Top-level fields keep their protobuf field number as tag; the five limits
 * are inlined with tags 0x91 to 0x95 ("field 9, member 1..5"). The signature (field 17) is not a
 * field of the encoding: a log entry appends its raw bytes.
 */
enum ReceiptField {
  VERSION(0x01, Kind.U32, r -> Integer.toUnsignedLong(r.getVersion())),
  TASK_ID(0x02, Kind.STRING, ExecutionReceipt::getTaskId),
  JOB_ID(0x03, Kind.STRING, ExecutionReceipt::getJobId),
  EXECUTOR_DID(0x04, Kind.STRING, ExecutionReceipt::getExecutorDid),
  MODULE_CID(0x05, Kind.STRING, ExecutionReceipt::getModuleCid),
  INPUT_CID(0x06, Kind.STRING, ExecutionReceipt::getInputCid),
  OUTPUT_CID(0x07, Kind.STRING, ExecutionReceipt::getOutputCid),
  FUEL_USED(0x08, Kind.U64, ExecutionReceipt::getFuelUsed),
  LIMITS_FUEL(0x91, Kind.U64, r -> r.getLimits().getFuel()),
  LIMITS_MEMORY_BYTES(0x92, Kind.U64, r -> r.getLimits().getMemoryBytes()),
  LIMITS_WALL_TIME_MS(0x93, Kind.U32, r -> Integer.toUnsignedLong(r.getLimits().getWallTimeMs())),
  LIMITS_STACK_BYTES(0x94, Kind.U64, r -> r.getLimits().getStackBytes()),
  LIMITS_MAX_OUTPUT_BYTES(0x95, Kind.U64, r -> r.getLimits().getMaxOutputBytes()),
  ENGINE(0x0a, Kind.STRING, ExecutionReceipt::getEngine),
  ENGINE_VERSION(0x0b, Kind.STRING, ExecutionReceipt::getEngineVersion),
  STARTED_AT(0x0c, Kind.U64, ExecutionReceipt::getStartedAt),
  FINISHED_AT(0x0d, Kind.U64, ExecutionReceipt::getFinishedAt),
  ASSIGNMENT_ID(0x0e, Kind.STRING, ExecutionReceipt::getAssignmentId),
  ORCHESTRATOR_DID(0x0f, Kind.STRING, ExecutionReceipt::getOrchestratorDid),
  CHUNK_INDEX(0x10, Kind.U32, r -> Integer.toUnsignedLong(r.getChunkIndex())),
  EXPORT_NAME(0x12, Kind.STRING, ExecutionReceipt::getExportName);

  /** How a field's value is laid out. */
  enum Kind {
    /** UTF-8 bytes. */
    STRING,
    /** 8 bytes little-endian, value below 2^32. */
    U32,
    /** 8 bytes little-endian. */
    U64
  }

  /** The fields of the signed part, in encoding order. */
  static final List<ReceiptField> SIGNED = List.of(values());

  final int tag;
  final Kind kind;
  private final Function<ExecutionReceipt, Object> getter;

  ReceiptField(int tag, Kind kind, Function<ExecutionReceipt, Object> getter) {
    this.tag = tag;
    this.kind = kind;
    this.getter = getter;
  }

  /** Reads this field from a receipt: a {@code String} or a {@code Long}. */
  Object read(ExecutionReceipt receipt) {
    return getter.apply(receipt);
  }

  /** Writes a decoded value into the builders. */
  void write(ExecutionReceipt.Builder receipt, ResourceLimits.Builder limits, Object value) {
    switch (this) {
      case VERSION -> receipt.setVersion(asInt(value));
      case TASK_ID -> receipt.setTaskId((String) value);
      case JOB_ID -> receipt.setJobId((String) value);
      case EXECUTOR_DID -> receipt.setExecutorDid((String) value);
      case MODULE_CID -> receipt.setModuleCid((String) value);
      case INPUT_CID -> receipt.setInputCid((String) value);
      case OUTPUT_CID -> receipt.setOutputCid((String) value);
      case FUEL_USED -> receipt.setFuelUsed((Long) value);
      case LIMITS_FUEL -> limits.setFuel((Long) value);
      case LIMITS_MEMORY_BYTES -> limits.setMemoryBytes((Long) value);
      case LIMITS_WALL_TIME_MS -> limits.setWallTimeMs(asInt(value));
      case LIMITS_STACK_BYTES -> limits.setStackBytes((Long) value);
      case LIMITS_MAX_OUTPUT_BYTES -> limits.setMaxOutputBytes((Long) value);
      case ENGINE -> receipt.setEngine((String) value);
      case ENGINE_VERSION -> receipt.setEngineVersion((String) value);
      case STARTED_AT -> receipt.setStartedAt((Long) value);
      case FINISHED_AT -> receipt.setFinishedAt((Long) value);
      case ASSIGNMENT_ID -> receipt.setAssignmentId((String) value);
      case ORCHESTRATOR_DID -> receipt.setOrchestratorDid((String) value);
      case CHUNK_INDEX -> receipt.setChunkIndex(asInt(value));
      case EXPORT_NAME -> receipt.setExportName((String) value);
    }
  }

  /** The field's protobuf name, for error messages. */
  String protoName() {
    String name = name().toLowerCase(Locale.ROOT);
    return name.startsWith("limits_") ? "limits." + name.substring(7) : name;
  }

  private static int asInt(Object value) {
    return (int) (long) (Long) value;
  }
}

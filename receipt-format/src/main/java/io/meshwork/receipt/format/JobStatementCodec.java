package io.meshwork.receipt.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The canonical byte encoding of a {@link JobStatement} (docs/RECEIPTS.md, "Job statements"): the
 * same field layout as a receipt's (tag, u32 little-endian length, value), behind a magic line of
 * its own so that no statement can be read as a receipt or the other way round. Lists are written
 * as a count followed by their items, each item's fields in a fixed order.
 */
final class JobStatementCodec {
  /** The first bytes of every encoded statement. */
  static final byte[] MAGIC = "meshwork-job-statement-v1\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * The largest leaf accepted, so that a statement always fits one gRPC message with room to spare:
   * about 40,000 receipts.
   */
  static final int MAX_LEAF_BYTES = 3 << 20;

  private static final int SIGNATURE_LENGTH = 64;
  private static final int HASH_LENGTH = 32;
  private static final int FIELD_HEADER_LENGTH = 5;

  private static final int VERSION = 0x01;
  private static final int JOB_ID = 0x02;
  private static final int ORCHESTRATOR_DID = 0x03;
  private static final int MODULE_CID = 0x04;
  private static final int INPUT_CID = 0x05;
  private static final int RESULT_CID = 0x06;
  private static final int CHUNK_COUNT = 0x07;
  private static final int CHUNK_ROOT = 0x08;
  private static final int LEVEL_COUNT = 0x09;
  private static final int RECEIPT_COUNT = 0x0a;
  private static final int LEVEL_PATH = 0x21;
  private static final int LEVEL_ORCHESTRATOR_DID = 0x22;
  private static final int LEVEL_FIRST_CHUNK = 0x23;
  private static final int LEVEL_CHUNK_COUNT = 0x24;
  private static final int LEVEL_CHILD_COUNT = 0x25;
  private static final int LEVEL_CHILDREN_ROOT = 0x26;
  private static final int LEVEL_COMBINE = 0x27;
  private static final int LEVEL_RESULT_CID = 0x28;
  private static final int RECEIPT_CID = 0x31;

  private JobStatementCodec() {}

  static boolean hasMagic(byte[] leaf) {
    return leaf.length >= MAGIC.length
        && Arrays.equals(leaf, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
  }

  static byte[] signedBytes(JobStatement s) {
    Writer w = new Writer();
    w.integer(VERSION, JobStatement.VERSION);
    w.text(JOB_ID, s.jobId());
    w.text(ORCHESTRATOR_DID, s.orchestratorDid());
    w.text(MODULE_CID, s.moduleCid());
    w.text(INPUT_CID, s.inputCid());
    w.text(RESULT_CID, s.resultCid());
    w.integer(CHUNK_COUNT, s.chunkCount());
    w.hash(CHUNK_ROOT, s.chunkRoot());
    w.integer(LEVEL_COUNT, s.levels().size());
    for (JobStatement.Level l : s.levels()) {
      w.text(LEVEL_PATH, l.path());
      w.text(LEVEL_ORCHESTRATOR_DID, l.orchestratorDid());
      w.integer(LEVEL_FIRST_CHUNK, l.firstChunk());
      w.integer(LEVEL_CHUNK_COUNT, l.chunkCount());
      w.integer(LEVEL_CHILD_COUNT, l.childCount());
      w.hash(LEVEL_CHILDREN_ROOT, l.childrenRoot());
      w.text(LEVEL_COMBINE, l.combine());
      w.text(LEVEL_RESULT_CID, l.resultCid());
    }
    w.integer(RECEIPT_COUNT, s.receiptCids().size());
    for (String cid : s.receiptCids()) {
      w.text(RECEIPT_CID, cid);
    }
    return w.out.toByteArray();
  }

  static JobStatement decode(byte[] leaf) {
    if (!hasMagic(leaf)) {
      throw new IllegalArgumentException(
          "not a job statement: it does not start with the magic line 'meshwork-job-statement-v1'");
    }
    if (leaf.length > MAX_LEAF_BYTES) {
      throw new IllegalArgumentException(
          "the statement has " + leaf.length + " bytes, more than " + MAX_LEAF_BYTES);
    }
    Reader r = new Reader(leaf);
    long version = r.integer(VERSION, "version");
    if (version != JobStatement.VERSION) {
      throw new IllegalArgumentException("statement version " + version + " is not 1");
    }
    String jobId = r.text(JOB_ID, "job_id");
    String orchestrator = r.text(ORCHESTRATOR_DID, "orchestrator_did");
    String module = r.text(MODULE_CID, "module_cid");
    String input = r.text(INPUT_CID, "input_cid");
    String result = r.text(RESULT_CID, "result_cid");
    long chunks = r.integer(CHUNK_COUNT, "chunk_count");
    byte[] chunkRoot = r.hash(CHUNK_ROOT, "chunk_root");
    int levelCount = r.count(LEVEL_COUNT, "level_count");
    List<JobStatement.Level> levels = new ArrayList<>(levelCount);
    for (int i = 0; i < levelCount; i++) {
      String at = "levels[" + i + "].";
      levels.add(
          new JobStatement.Level(
              r.text(LEVEL_PATH, at + "path"),
              r.text(LEVEL_ORCHESTRATOR_DID, at + "orchestrator_did"),
              r.integer(LEVEL_FIRST_CHUNK, at + "first_chunk"),
              r.integer(LEVEL_CHUNK_COUNT, at + "chunk_count"),
              r.integer(LEVEL_CHILD_COUNT, at + "child_count"),
              r.hash(LEVEL_CHILDREN_ROOT, at + "children_root"),
              r.text(LEVEL_COMBINE, at + "combine"),
              r.text(LEVEL_RESULT_CID, at + "result_cid")));
    }
    int receiptCount = r.count(RECEIPT_COUNT, "receipt_count");
    List<String> receipts = new ArrayList<>(receiptCount);
    for (int i = 0; i < receiptCount; i++) {
      receipts.add(r.text(RECEIPT_CID, "receipt_cids[" + i + "]"));
    }
    if (r.in.remaining() != SIGNATURE_LENGTH) {
      throw new IllegalArgumentException(
          "the statement has "
              + r.in.remaining()
              + " bytes after its fields; a log entry ends with exactly the 64-byte signature");
    }
    byte[] signature = new byte[SIGNATURE_LENGTH];
    r.in.get(signature);
    return new JobStatement(
        jobId, orchestrator, module, input, result, chunks, chunkRoot, levels, receipts, signature);
  }

  /** Appends fields to a growing array. */
  private static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    Writer() {
      out.writeBytes(MAGIC);
    }

    void field(int tag, byte[] value) {
      out.write(tag);
      out.writeBytes(
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value.length).array());
      out.writeBytes(value);
    }

    void integer(int tag, long value) {
      if (value < 0) {
        throw new IllegalArgumentException("statement integers are unsigned, got " + value);
      }
      field(tag, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    void hash(int tag, byte[] hash) {
      if (hash.length != HASH_LENGTH) {
        throw new IllegalArgumentException("a statement root has 32 bytes, got " + hash.length);
      }
      field(tag, hash);
    }

    void text(int tag, String value) {
      try {
        ByteBuffer encoded = StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(value));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        field(tag, bytes);
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("a statement field is not valid Unicode", e);
      }
    }
  }

  /** Reads fields in the one order they may come in. */
  private static final class Reader {
    final ByteBuffer in;

    Reader(byte[] leaf) {
      in = ByteBuffer.wrap(leaf).order(ByteOrder.LITTLE_ENDIAN);
      in.position(MAGIC.length);
    }

    byte[] field(int tag, String name) {
      if (in.remaining() < FIELD_HEADER_LENGTH) {
        throw new IllegalArgumentException("the statement ends before field " + name);
      }
      int found = in.get() & 0xff;
      if (found != tag) {
        throw new IllegalArgumentException(
            String.format(
                "the statement has tag 0x%02x where field %s (tag 0x%02x) belongs",
                found, name, tag));
      }
      long length = Integer.toUnsignedLong(in.getInt());
      if (length > in.remaining()) {
        throw new IllegalArgumentException(
            "statement field "
                + name
                + " claims "
                + length
                + " bytes; "
                + in.remaining()
                + " remain");
      }
      byte[] value = new byte[(int) length];
      in.get(value);
      return value;
    }

    long integer(int tag, String name) {
      byte[] bytes = field(tag, name);
      if (bytes.length != 8) {
        throw new IllegalArgumentException(
            "statement field " + name + " has " + bytes.length + " bytes, not 8");
      }
      long value = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (value < 0) {
        throw new IllegalArgumentException("statement field " + name + " is above 2^63 - 1");
      }
      return value;
    }

    /** A list's length, which cannot exceed what the remaining bytes could hold. */
    int count(int tag, String name) {
      long n = integer(tag, name);
      if (n > in.remaining() / FIELD_HEADER_LENGTH) {
        throw new IllegalArgumentException(
            "statement field " + name + " counts " + n + " items; the bytes left hold fewer");
      }
      return (int) n;
    }

    byte[] hash(int tag, String name) {
      byte[] bytes = field(tag, name);
      if (bytes.length != HASH_LENGTH) {
        throw new IllegalArgumentException(
            "statement field " + name + " has " + bytes.length + " bytes, not 32");
      }
      return bytes;
    }

    String text(int tag, String name) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .decode(ByteBuffer.wrap(field(tag, name)))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException("statement field " + name + " is not valid UTF-8", e);
      }
    }
  }
}

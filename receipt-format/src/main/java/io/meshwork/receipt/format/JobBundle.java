package io.meshwork.receipt.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything a third party needs to check a job's result offline, as {@code meshwork result JOB
 * --receipts DIR} writes it and {@link JobVerifier} reads it: the anchored job statement, each
 * chunk's result CID with its inclusion path under the statement's chunk root, every receipt with
 * its log proof, and whatever result bytes were saved, by CID.
 *
 * <p>On disk (docs/RECEIPTS.md, "Job bundles"):
 *
 * <pre>
 * DIR/statement.tlog-proof     the statement's tlog-proof bundle, its leaf bytes in the extra line
 * DIR/chunks.txt               meshwork-job-chunks-v1, then per chunk: INDEX CID PATH-HASH...
 * DIR/CID.tlog-proof           one per receipt, named by the receipt's CID
 * DIR/results/CID              result bytes, named by their CID (chunks, levels, the job's)
 * DIR/log-key                  the log's verifier key as the log gave it (information only)
 * </pre>
 *
 * @param statementProof the statement's tlog-proof bundle text
 * @param chunks every chunk, in chunk order
 * @param receiptProofs each receipt's tlog-proof bundle text, by receipt CID
 * @param results result bytes by their CID; any may be missing
 * @param logKey the log's verifier key as the log reported it, or empty; never trusted
 */
public record JobBundle(
    String statementProof,
    List<Chunk> chunks,
    Map<String, String> receiptProofs,
    Map<String, byte[]> results,
    String logKey) {

  /** The first line of {@code chunks.txt}. */
  public static final String CHUNKS_HEADER = "meshwork-job-chunks-v1";

  private static final Pattern CID_NAME = Pattern.compile("b[a-z2-7]{1,127}");

  /**
   * One chunk: its position, its result's CID and its inclusion path under the job's chunk root.
   *
   * @param path RFC 9162 inclusion path, leaf side first
   */
  public record Chunk(long index, String resultCid, List<byte[]> path) {
    /** Copies the path. */
    public Chunk {
      Objects.requireNonNull(resultCid, "resultCid");
      path = path.stream().map(byte[]::clone).toList();
    }
  }

  /** Copies the collections. */
  public JobBundle {
    Objects.requireNonNull(statementProof, "statementProof");
    chunks = List.copyOf(chunks);
    receiptProofs = Map.copyOf(receiptProofs);
    results = Map.copyOf(results);
    logKey = logKey == null ? "" : logKey;
  }

  /** The saved bytes of the result named {@code cid}, if the bundle has them. */
  public Optional<byte[]> result(String cid) {
    return Optional.ofNullable(results.get(cid));
  }

  /**
   * Writes the bundle into {@code dir} (created if needed), beside whatever else is there.
   *
   * @throws IOException if a file cannot be written
   */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("statement.tlog-proof"), statementProof, StandardCharsets.UTF_8);
    StringBuilder list = new StringBuilder(CHUNKS_HEADER).append('\n');
    Base64.Encoder base64 = Base64.getEncoder();
    for (Chunk c : chunks) {
      list.append(c.index()).append(' ').append(c.resultCid());
      for (byte[] h : c.path()) {
        list.append(' ').append(base64.encodeToString(h));
      }
      list.append('\n');
    }
    Files.writeString(dir.resolve("chunks.txt"), list.toString(), StandardCharsets.UTF_8);
    for (Map.Entry<String, String> r : receiptProofs.entrySet()) {
      Files.writeString(
          dir.resolve(safeName(r.getKey()) + ".tlog-proof"), r.getValue(), StandardCharsets.UTF_8);
    }
    if (!results.isEmpty()) {
      Path resultDir = Files.createDirectories(dir.resolve("results"));
      for (Map.Entry<String, byte[]> r : results.entrySet()) {
        Files.write(resultDir.resolve(safeName(r.getKey())), r.getValue());
      }
    }
    if (!logKey.isEmpty()) {
      Files.writeString(dir.resolve("log-key"), logKey + "\n", StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads the bundle in {@code dir}. Receipt proofs are read for the CIDs in {@code receiptCids}
   * (the statement's list) that have a file; result bytes for every file under {@code results}.
   *
   * @throws IllegalArgumentException naming the file that is missing or malformed
   * @throws IOException if a file cannot be read
   */
  public static JobBundle read(Path dir, List<String> receiptCids) throws IOException {
    String statement = readText(dir.resolve("statement.tlog-proof"));
    List<Chunk> chunks = parseChunks(readText(dir.resolve("chunks.txt")));
    Map<String, String> receipts = new LinkedHashMap<>();
    for (String cid : receiptCids) {
      if (!CID_NAME.matcher(cid).matches()) {
        continue;
      }
      Path file = dir.resolve(cid + ".tlog-proof");
      if (Files.isRegularFile(file)) {
        receipts.put(cid, Files.readString(file, StandardCharsets.UTF_8));
      }
    }
    Map<String, byte[]> results = new LinkedHashMap<>();
    Path resultDir = dir.resolve("results");
    if (Files.isDirectory(resultDir)) {
      try (var files = Files.list(resultDir)) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          if (CID_NAME.matcher(name).matches() && Files.isRegularFile(f)) {
            results.put(name, Files.readAllBytes(f));
          }
        }
      }
    }
    Path key = dir.resolve("log-key");
    String logKey = Files.isRegularFile(key) ? Files.readString(key).strip() : "";
    return new JobBundle(statement, chunks, receipts, results, logKey);
  }

  /** Reads {@code statement.tlog-proof} alone, to learn which receipts to read. */
  public static String readStatementProof(Path dir) throws IOException {
    return readText(dir.resolve("statement.tlog-proof"));
  }

  private static String readText(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("the bundle has no " + file.getFileName(), e);
    }
  }

  /**
   * Reads {@code chunks.txt}.
   *
   * @throws IllegalArgumentException naming the malformed line
   */
  public static List<Chunk> parseChunks(String text) {
    String[] lines = text.split("\n", -1);
    if (lines.length < 1 || !lines[0].equals(CHUNKS_HEADER)) {
      throw new IllegalArgumentException("chunks.txt must start with the line " + CHUNKS_HEADER);
    }
    List<Chunk> chunks = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].isEmpty() && i == lines.length - 1) {
        break;
      }
      String[] parts = lines[i].split(" ", -1);
      if (parts.length < 2) {
        throw new IllegalArgumentException("chunks.txt line " + (i + 1) + " is not INDEX CID ...");
      }
      long index;
      try {
        index = Long.parseLong(parts[0]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("chunks.txt line " + (i + 1) + " has no index", e);
      }
      List<byte[]> path = new ArrayList<>();
      for (int p = 2; p < parts.length; p++) {
        byte[] h;
        try {
          h = Base64.getDecoder().decode(parts[p]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "chunks.txt line " + (i + 1) + " has a path hash that is not base64", e);
        }
        if (h.length != 32 || !Base64.getEncoder().encodeToString(h).equals(parts[p])) {
          throw new IllegalArgumentException(
              "chunks.txt line " + (i + 1) + " has a path hash that is not 32 bytes of base64");
        }
        path.add(h);
      }
      chunks.add(new Chunk(index, parts[1], path));
    }
    return chunks;
  }

  /** A CID as a file name; anything else could name a path outside the folder. */
  private static String safeName(String cid) {
    if (!CID_NAME.matcher(cid).matches()) {
      throw new IllegalArgumentException("'" + cid + "' is not a CID and cannot name a file");
    }
    return cid;
  }
}

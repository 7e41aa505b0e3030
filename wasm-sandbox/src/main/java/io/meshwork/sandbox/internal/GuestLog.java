package io.meshwork.sandbox.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the debug lines one call writes through {@code meshwork.log}, bounded so that a chatty
 * or hostile guest cannot fill the executor's heap or the task record.
 *
 * <p>Synchronized because the caller may read it while a guest that overran its wall time is still
 * being stopped.
 */
final class GuestLog {

  /** Most lines kept per call; later ones are counted, not kept. */
  static final int MAX_LINES = 64;

  /** Most bytes kept per line; the rest of a longer line is cut off. */
  static final int MAX_LINE_BYTES = 1024;

  private final List<String> lines = new ArrayList<>();
  private long dropped;

  /** Whether another line would be kept, so the caller can skip reading it from memory. */
  synchronized boolean accepting() {
    return lines.size() < MAX_LINES;
  }

  synchronized void add(byte[] utf8, boolean cut) {
    if (!accepting()) {
      dropped++;
      return;
    }
    // Malformed UTF-8 (including a character split by the cut) decodes to U+FFFD.
    String line = new String(utf8, StandardCharsets.UTF_8);
    lines.add(cut ? line + " [cut at " + MAX_LINE_BYTES + " bytes]" : line);
  }

  /** Counts a line that was not kept. */
  synchronized void drop() {
    dropped++;
  }

  /** The kept lines, followed by a note of how many were dropped, if any were. */
  synchronized List<String> lines() {
    if (dropped == 0) {
      return List.copyOf(lines);
    }
    List<String> all = new ArrayList<>(lines);
    all.add("[" + dropped + " more log lines dropped]");
    return List.copyOf(all);
  }
}

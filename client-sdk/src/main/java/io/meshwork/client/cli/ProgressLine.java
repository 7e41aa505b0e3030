package io.meshwork.client.cli;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.io.PrintWriter;

/**
 * Shows progress on standard error as it changes, redrawn in place on one line, and only on a
 * terminal: in a pipe or a log file progress would be clutter, so there it shows nothing. What
 * counts as a change is up to the caller: a job's status, or a transfer's progress ({@link
 * TransferProgressView}). Safe to call from a watch's thread while the command's thread waits.
 */
final class ProgressLine {
  private final PrintWriter err;
  private final boolean terminal;
  private String shown = "";

  ProgressLine(PrintWriter err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** True when progress is drawn at all: standard error is a terminal. */
  boolean redraws() {
    return terminal;
  }

  void show(ComputeJobStatus status) {
    show(JobViews.progressLine(status));
  }

  /** Shows {@code line} in place of the one before, unless it is the one shown already. */
  synchronized void show(String line) {
    if (!terminal || line.equals(shown)) {
      return;
    }
    // Pads with spaces so a shorter line fully covers the longer one before it.
    int pad = Math.max(0, shown.length() - line.length());
    err.print("\r" + line + " ".repeat(pad));
    shown = line;
    err.flush();
  }

  /** Ends the line shown, so what follows starts on a line of its own. */
  synchronized void finish() {
    if (terminal && !shown.isEmpty()) {
      err.println();
      err.flush();
    }
    shown = "";
  }
}

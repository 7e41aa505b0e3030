package io.meshwork.client.cli;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.io.PrintWriter;

/**
 * Shows progress on standard error as it changes: redrawn in place on a terminal, one line per
 * change otherwise (so a log file does not fill with carriage returns). What counts as a change is
 * up to the caller: a job's status, or an upload's progress ({@link TransferProgressView}).
 */
final class ProgressLine {
  private final PrintWriter err;
  private final boolean redraw;
  private String shown = "";

  ProgressLine(PrintWriter err, boolean redraw) {
    this.err = err;
    this.redraw = redraw;
  }

  /** True when the line is redrawn in place (standard error is a terminal). */
  boolean redraws() {
    return redraw;
  }

  void show(ComputeJobStatus status) {
    show(JobViews.progressLine(status));
  }

  /** Shows {@code line}, unless it is the one shown already. */
  void show(String line) {
    if (line.equals(shown)) {
      return;
    }
    if (redraw) {
      // Pads with spaces so a shorter line fully covers the longer one before it.
      int pad = Math.max(0, shown.length() - line.length());
      err.print("\r" + line + " ".repeat(pad));
    } else {
      err.println(line);
    }
    shown = line;
    err.flush();
  }

  void finish() {
    if (redraw && !shown.isEmpty()) {
      err.println();
      err.flush();
    }
    shown = "";
  }
}

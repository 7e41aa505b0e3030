package io.meshwork.client.cli;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.io.PrintWriter;

/**
 * Shows a job's progress on standard error as it changes: redrawn in place on a terminal, one line
 * per change otherwise (so a log file does not fill with carriage returns).
 */
final class ProgressLine {
  private final PrintWriter err;
  private final boolean redraw;
  private String shown = "";

  ProgressLine(PrintWriter err, boolean redraw) {
    this.err = err;
    this.redraw = redraw;
  }

  void show(ComputeJobStatus status) {
    String line = JobViews.progressLine(status);
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
  }
}

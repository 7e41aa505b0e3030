package io.meshwork.client.cli;

import io.meshwork.compute.v1.ComputeJobStatus;
import java.io.PrintWriter;

/**
 * Shows progress on standard error as it changes: on a terminal, redrawn in place on one line; in a
 * pipe or a log file, nothing, since there progress would be clutter, unless the user asked for it
 * ({@code --progress always}), and then one line per change. What counts as a change is up to the
 * caller: a job's status, or a transfer's progress ({@link TransferProgressView}). Safe to call
 * from a watch's thread while the command's thread waits.
 */
final class ProgressLine {
  private final PrintWriter err;
  private final boolean redraw;
  private final boolean shows;
  private String shown = "";

  /** Progress on a terminal when {@code terminal}, else none. */
  ProgressLine(PrintWriter err, boolean terminal) {
    this(err, terminal, terminal);
  }

  /**
   * Progress redrawn in place when {@code redraw}; shown at all when {@code shows} (one line per
   * change when it is not redrawn).
   */
  ProgressLine(PrintWriter err, boolean redraw, boolean shows) {
    this.err = err;
    this.redraw = redraw && shows;
    this.shows = shows;
  }

  /** True when progress is drawn at all. */
  boolean shows() {
    return shows;
  }

  /** True when a line is redrawn in place (a terminal), false when each goes on its own line. */
  boolean redraws() {
    return redraw;
  }

  void show(ComputeJobStatus status) {
    show(JobViews.progressLine(status));
  }

  /** Shows {@code line} in place of the one before, unless it is the one shown already. */
  synchronized void show(String line) {
    if (!shows || line.equals(shown)) {
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

  /** Ends the line shown, so what follows starts on a line of its own. */
  synchronized void finish() {
    if (redraw && !shown.isEmpty()) {
      err.println();
      err.flush();
    }
    shown = "";
  }
}

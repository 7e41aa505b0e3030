package io.meshwork.client.cli;

import io.meshwork.client.Blob;
import io.meshwork.client.DownloadProgress;
import io.meshwork.client.UploadProgress;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Draws an upload's or a download's progress on a {@link ProgressLine}: a bar, the bytes sent of
 * the total, the rate and the time left.
 *
 * <pre>
 * uploading big.csv [######..............] 30% 312.0 MiB of 1.0 GiB, 48.2 MiB/s, about 15 s left
 * </pre>
 *
 * <p>Frames go out many times a second, so it draws less often than it hears: on a terminal at most
 * five times a second and at the end; into a log ({@code --progress always} off a terminal) once
 * per tenth of the file, so a 1 GiB upload writes about ten lines rather than a thousand; and at
 * once when the upload starts again lower after a broken stream. Elsewhere it draws nothing ({@link
 * ProgressLine}). The rate counts only bytes sent since the upload started or last resumed.
 */
final class TransferProgressView implements UploadProgress, DownloadProgress {
  private static final long REDRAW_NANOS = 200_000_000L;
  private static final int BAR = 20;

  private final ProgressLine line;
  private final String name;
  private final String verb;
  private final LongSupplier nanoTime;
  private long firstNanos = -1;
  private long startNanos = -1;
  private long startBytes;
  private long lastSent;
  private long lastDrawNanos;
  private long lastTenth = -1;

  TransferProgressView(ProgressLine line, String name) {
    this(line, name, System::nanoTime);
  }

  TransferProgressView(ProgressLine line, String name, LongSupplier nanoTime) {
    this(line, name, "uploading", nanoTime);
  }

  private TransferProgressView(ProgressLine line, String name, String verb, LongSupplier nanoTime) {
    this.line = line;
    this.name = name;
    this.verb = verb;
    this.nanoTime = nanoTime;
  }

  /** A view of a download (a stored result) into the file {@code name}. */
  static TransferProgressView downloading(ProgressLine line, String name) {
    return new TransferProgressView(line, name, "downloading", System::nanoTime);
  }

  @Override
  public void bytesReceived(long received, long total) {
    bytesSent(received, total);
  }

  @Override
  public void bytesSent(long sent, long total) {
    long now = nanoTime.getAsLong();
    // The first report, or a resume after a broken stream (from the acknowledged offset, below
    // what was sent): the rate counts from here, and the line shows where it starts again.
    boolean restart = startNanos < 0 || sent < lastSent;
    lastSent = sent;
    if (firstNanos < 0) {
      firstNanos = now;
    }
    if (restart) {
      startNanos = now;
      startBytes = sent;
    }
    long tenth = total == 0 ? 10 : sent * 10 / total;
    boolean draw =
        restart
            || (line.redraws()
                ? now - lastDrawNanos >= REDRAW_NANOS || sent == total
                : tenth != lastTenth);
    if (draw) {
      lastDrawNanos = now;
      lastTenth = tenth;
      line.show(text(sent, total, now));
    }
  }

  /** Replaces the progress with what was stored, and ends the line. */
  void done(Blob blob) {
    long seconds =
        firstNanos < 0 ? 0 : Math.max(0, (nanoTime.getAsLong() - firstNanos) / 1_000_000_000L);
    line.show(
        "uploaded " + name + ": " + bytes(blob.size()) + " in " + seconds + " s, " + blob.cid());
    line.finish();
  }

  /** Ends the line as it stands (after a failure). */
  void stop() {
    line.finish();
  }

  private String text(long sent, long total, long now) {
    int percent = total == 0 ? 100 : (int) (sent * 100 / total);
    int filled = total == 0 ? BAR : (int) (sent * BAR / total);
    StringBuilder text =
        new StringBuilder(verb)
            .append(' ')
            .append(name)
            .append(" [")
            .append("#".repeat(filled))
            .append(".".repeat(BAR - filled))
            .append("] ")
            .append(percent)
            .append("% ")
            .append(bytes(sent))
            .append(" of ")
            .append(bytes(total));
    double seconds = (now - startNanos) / 1e9;
    long counted = sent - startBytes;
    if (seconds >= 0.5 && counted > 0) {
      double rate = counted / seconds;
      text.append(", ").append(bytes((long) rate)).append("/s");
      if (sent < total) {
        text.append(", about ")
            .append(duration((long) Math.ceil((total - sent) / rate)))
            .append(" left");
      }
    }
    return text.toString();
  }

  /** A byte count in the largest binary unit that keeps it at 1 or more, one decimal. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double value = n;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    if (seconds < 3600) {
      return (seconds + 59) / 60 + " min";
    }
    return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
  }
}

package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.Blob;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferProgressViewTest {
  private static final long MIB = 1024 * 1024;

  private final StringWriter err = new StringWriter();
  private long now;

  private TransferProgressView view(boolean terminal) {
    return new TransferProgressView(
        new ProgressLine(new PrintWriter(err, true), terminal), "big.csv", () -> now);
  }

  /** The frames drawn on a terminal, each line as it stood when redrawn. */
  private List<String> drawn() {
    return java.util.Arrays.stream(err.toString().split("\r"))
        .map(String::stripTrailing)
        .filter(l -> !l.isEmpty())
        .toList();
  }

  @Test
  void onATerminalItShowsRateAndTimeLeftAndEndsWithWhatWasStored() {
    TransferProgressView view = view(true);

    for (long sent = 0; sent <= 100 * MIB; sent += MIB) {
      view.bytesSent(sent, 100 * MIB);
      now += 100_000_000L; // 10 MiB/s
    }
    view.done(new Blob("bafkreiexample", 100 * MIB));

    List<String> lines = drawn();
    assertEquals("uploading big.csv [....................] 0% 0 B of 100.0 MiB", lines.get(0));
    assertTrue(
        lines.contains(
            "uploading big.csv [######..............] 30% 30.0 MiB of 100.0 MiB, 10.0 MiB/s,"
                + " about 7 s left"),
        err.toString());
    assertEquals(
        "uploaded big.csv: 100.0 MiB in 10 s, bafkreiexample", lines.get(lines.size() - 1));
    assertTrue(err.toString().endsWith("\n"), err.toString());
  }

  @Test
  void intoALogWhenAskedItWritesALinePerTenth() {
    TransferProgressView view =
        new TransferProgressView(
            new ProgressLine(new PrintWriter(err, true), false, true), "big.csv", () -> now);

    for (long sent = 0; sent <= 100 * MIB; sent += MIB) {
      view.bytesSent(sent, 100 * MIB);
      now += 100_000_000L; // 10 MiB/s
    }
    view.done(new Blob("bafkreiexample", 100 * MIB));

    List<String> lines = err.toString().lines().toList();
    assertEquals(12, lines.size(), err.toString());
    assertEquals(
        "uploading big.csv [######..............] 30% 30.0 MiB of 100.0 MiB, 10.0 MiB/s,"
            + " about 7 s left",
        lines.get(3));
    assertEquals("uploaded big.csv: 100.0 MiB in 10 s, bafkreiexample", lines.get(11));
  }

  @Test
  void offATerminalItShowsNothing() {
    TransferProgressView view = view(false);

    for (long sent = 0; sent <= 100 * MIB; sent += MIB) {
      view.bytesSent(sent, 100 * MIB);
      now += 100_000_000L;
    }
    view.done(new Blob("bafkreiexample", 100 * MIB));

    assertEquals("", err.toString());
  }

  @Test
  void aResumeIsShownAtOnceAndTheRateCountsFromIt() {
    TransferProgressView view = view(true);

    view.bytesSent(0, 100 * MIB);
    now += 2_000_000_000L;
    view.bytesSent(20 * MIB, 100 * MIB);
    view.bytesSent(16 * MIB, 100 * MIB); // the stream broke; the service had 16 MiB
    now += 1_000_000_000L;
    view.bytesSent(21 * MIB, 100 * MIB);

    List<String> lines = drawn();
    assertEquals(
        "uploading big.csv [###.................] 16% 16.0 MiB of 100.0 MiB", lines.get(2));
    assertEquals(
        "uploading big.csv [####................] 21% 21.0 MiB of 100.0 MiB, 5.0 MiB/s,"
            + " about 16 s left",
        lines.get(3));
  }

  @Test
  void onATerminalItRedrawsOneLineAtMostFiveTimesASecond() {
    TransferProgressView view = view(true);

    for (long sent = 0; sent <= 10 * MIB; sent += MIB) {
      view.bytesSent(sent, 10 * MIB);
      now += 50_000_000L;
    }
    view.stop();

    String shown = err.toString();
    assertTrue(shown.startsWith("\ruploading big.csv"), shown);
    // Half a second of reports, 50 ms apart: the first, one per 200 ms, and the last.
    assertEquals(4, shown.chars().filter(c -> c == '\r').count(), shown);
    assertTrue(
        shown.endsWith(
            "\ruploading big.csv [####################] 100% 10.0 MiB of 10.0 MiB,"
                + " 20.0 MiB/s\n"),
        shown);
  }

  @Test
  void sizesAndDurationsAreShort() {
    assertEquals("999 B", TransferProgressView.bytes(999));
    assertEquals("1.5 KiB", TransferProgressView.bytes(1536));
    assertEquals("1.0 GiB", TransferProgressView.bytes(1L << 30));
    assertEquals("59 s", TransferProgressView.duration(59));
    assertEquals("2 min", TransferProgressView.duration(61));
    assertEquals("1 h 1 min", TransferProgressView.duration(3660));
  }
}

package io.meshwork.client.cli;

import java.util.Locale;

/**
 * ANSI colours for text a person reads on a terminal, and none anywhere else: not in a pipe or a
 * file, not with {@code --json}, not when {@code NO_COLOR} is set (no-color.org) or {@code TERM} is
 * {@code dumb}.
 */
final class Colours {
  private static final Colours NONE = new Colours(false);
  private static final Colours ANSI = new Colours(true);

  private final boolean on;

  private Colours(boolean on) {
    this.on = on;
  }

  /** Colours when {@code terminal} and the environment does not ask for none. */
  static Colours when(boolean terminal) {
    String noColor = System.getenv("NO_COLOR");
    boolean dumb = "dumb".equals(System.getenv("TERM"));
    return terminal && (noColor == null || noColor.isEmpty()) && !dumb ? ANSI : NONE;
  }

  /** Colours on, whatever the environment says (tests). */
  static Colours always() {
    return ANSI;
  }

  String red(String text) {
    return paint("31", text);
  }

  String green(String text) {
    return paint("32", text);
  }

  String yellow(String text) {
    return paint("33", text);
  }

  String bold(String text) {
    return paint("1", text);
  }

  /** A job's status word, coloured by how it ended: green done, red failed, yellow running. */
  String state(String status) {
    return switch (status.toLowerCase(Locale.ROOT)) {
      case "completed" -> green(status);
      case "failed", "cancelled" -> red(status);
      default -> yellow(status);
    };
  }

  private String paint(String code, String text) {
    return on ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
  }
}

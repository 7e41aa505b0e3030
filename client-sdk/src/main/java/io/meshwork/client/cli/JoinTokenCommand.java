package io.meshwork.client.cli;

import io.meshwork.client.JoinToken;
import io.meshwork.client.MeshClient;
import java.io.PrintWriter;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code meshwork join-token}: the tokens executors join the orchestrator with. For operators. */
@Command(
    name = "join-token",
    description =
        "Make tokens that let executors on other hosts join the orchestrator (operators).",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = JoinTokenCommand.Create.class)
final class JoinTokenCommand {
  private JoinTokenCommand() {}

  /**
   * {@code meshwork join-token create}: prints a new token on standard output, alone on its line so
   * that a script can take it, and how to use it on standard error.
   */
  @Command(
      name = "create",
      description =
          "Make a join token. Prints the token; on standard error, how an executor joins with it.")
  static final class Create implements Callable<Integer> {
    @Spec private CommandSpec spec;

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        converter = DurationConverter.class,
        description =
            "How long the token admits joins: 90s, 30m, 1h, 7d, 1h30m (default: the"
                + " orchestrator's).")
    private Duration validFor;

    @Option(
        names = "--uses",
        paramLabel = "N",
        defaultValue = "1",
        description = "How many executors may join with it (default: ${DEFAULT-VALUE}).")
    private int uses;

    @Option(
        names = "--description",
        paramLabel = "TEXT",
        description = "A note for your records, such as the host it is for.")
    private String description;

    @Override
    public Integer call() {
      if (uses < 1) {
        throw new ParameterException(spec.commandLine(), "--uses must be at least 1");
      }
      MeshCli cli = MeshCli.from(spec);
      try (MeshClient mesh = cli.connect()) {
        JoinToken token = mesh.createJoinToken(validFor, uses, description);
        if (cli.json()) {
          Map<String, Object> json = Json.object();
          json.put("token", token.token());
          json.put("token_id", token.id());
          json.put("expires_at", token.expiresAt().toEpochMilli());
          json.put("uses", token.uses());
          cli.out().println(Json.write(json));
        } else {
          cli.out().println(token.token());
          usage(cli.err(), token, cli.orchestrator(), Instant.now());
        }
        cli.out().flush();
        return 0;
      }
    }

    private static void usage(PrintWriter err, JoinToken token, String orchestrator, Instant now) {
      Duration left = Duration.between(now, token.expiresAt());
      err.printf(
          "join token %s admits %d join%s until %s%s%n",
          token.id(),
          token.uses(),
          token.uses() == 1 ? "" : "s",
          JobViews.time(token.expiresAt().toEpochMilli()),
          left.isNegative() ? "" : " (in " + BalanceCommand.duration(left) + ")");
      err.printf(
          "on the executor's host (with this orchestrator's address as that host reaches it):%n"
              + "  meshwork serve executor --join %s --join-token %s%n",
          orchestrator, token.token());
      err.flush();
    }
  }

  /**
   * Reads a duration as people write it, one or more number-and-unit parts ({@code 90s}, {@code
   * 30m}, {@code 1h30m}, {@code 7d}), or in ISO-8601 ({@code PT1H}); it must be positive.
   */
  static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)([smhd])");

    @Override
    public Duration convert(String value) {
      String text = value.strip().toLowerCase(Locale.ROOT);
      Duration total = Duration.ZERO;
      try {
        if (text.startsWith("p")) {
          total = Duration.parse(text);
        } else {
          Matcher part = PART.matcher(text);
          int end = 0;
          while (part.find() && part.start() == end) {
            long n = Long.parseLong(part.group(1));
            total =
                total.plus(
                    switch (part.group(2)) {
                      case "s" -> Duration.ofSeconds(n);
                      case "m" -> Duration.ofMinutes(n);
                      case "h" -> Duration.ofHours(n);
                      default -> Duration.ofDays(n);
                    });
            end = part.end();
          }
          if (end == 0 || end != text.length()) {
            throw new TypeConversionException(
                "'" + value + "' is not a duration such as 90s, 30m, 1h, 7d or 1h30m");
          }
        }
      } catch (ArithmeticException | NumberFormatException | DateTimeException e) {
        throw new TypeConversionException("'" + value + "' is not a duration: " + e.getMessage());
      }
      if (total.isNegative() || total.isZero()) {
        throw new TypeConversionException("'" + value + "' is not a positive duration");
      }
      return total;
    }
  }
}

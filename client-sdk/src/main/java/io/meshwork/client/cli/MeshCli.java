package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.client.MeshClientException;
import io.meshwork.client.MeshClientOptions;
import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code meshwork} command line: the root command, its global options, and the job, ledger,
 * receipt and membership subcommands.
 *
 * <p>A launcher adds its own subcommands to {@link #commandLine()} before executing it; they read
 * the global options and open a client through {@link #from(CommandSpec)}:
 *
 * <pre>{@code
 * CommandLine cli = MeshCli.commandLine().addSubcommand("dev", new DevCommand());
 * System.exit(cli.execute(args));
 *
 * @Command(name = "demo")
 * final class DemoCommand implements Callable<Integer> {
 *   @Spec CommandSpec spec;
 *   public Integer call() {
 *     try (MeshClient mesh = MeshCli.from(spec).connect()) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>Exit codes (docs/CLI.md): 0 on success, 1 when a call or the job failed, 2 for bad usage or an
 * input file that cannot be read, 3 when the mesh could not be reached, 4 when a job had not ended
 * by the end of the wait. A failure prints one line to standard error, naming the cause and, where
 * there is one, what to do; its stack trace only with {@code --debug}.
 *
 * <p>A launcher's own command (such as {@code dashboard}) is one more {@code addSubcommand} line in
 * the launcher; commands that belong to every SDK user go in the list below.
 */
@Command(
    name = "meshwork",
    description = "Submit WebAssembly jobs to a Meshwork mesh and follow them.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      SubmitCommand.class,
      StatusCommand.class,
      ResultCommand.class,
      CancelCommand.class,
      UploadCommand.class,
      BalanceCommand.class,
      LedgerCommand.class,
      JobsCommand.class,
      ReceiptCommand.class,
      ExecutorsCommand.class,
      ExecutorCommand.class,
      DashboardCommand.class,
      JoinTokenCommand.class
    })
public final class MeshCli {
  /** Exit code of a call that failed, a job that failed, or a file that could not be written. */
  public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;

  /** Exit code of a command line that could not be understood, or an input that cannot be read. */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  /**
   * Exit code of a call that could not reach its service: nothing listening, a refused TLS
   * handshake, or no answer before the call's deadline. Worth trying again once the mesh is up.
   */
  public static final int EXIT_UNREACHABLE = 3;

  /** Exit code of a wait for a job that ran out ({@code --timeout}) before the job ended. */
  public static final int EXIT_STILL_RUNNING = 4;

  // Kept strongly: java.util.logging forgets the level of a logger nobody references.
  private static final java.util.List<java.util.logging.Logger> QUIETED =
      new java.util.ArrayList<>();

  private final Function<MeshClientOptions, MeshClient> connector;
  private final boolean terminal;
  // Standard output as bytes, for results streamed as they are (set by tests).
  private java.io.OutputStream stdout = System.out;

  @Spec private CommandSpec spec;

  @Option(
      names = "--orchestrator",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description = "The orchestrator (default: ${DEFAULT-VALUE}).",
      defaultValue = MeshClientOptions.DEFAULT_ORCHESTRATOR_TARGET)
  private String orchestrator;

  @Option(
      names = "--ledger",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description = "The ledger (default: ${DEFAULT-VALUE}).",
      defaultValue = MeshClientOptions.DEFAULT_LEDGER_TARGET)
  private String ledger;

  @Option(
      names = "--receipt-log",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description = "The receipt log (default: ${DEFAULT-VALUE}).",
      defaultValue = MeshClientOptions.DEFAULT_RECEIPT_TARGET)
  private String receipts;

  @Option(
      names = "--home",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "Where identity.key lives (default: $MESHWORK_HOME or ~/.meshwork).")
  private Path home;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "Trust the mesh's CA certificate in this PEM file (default: a development mesh's"
              + " $MESHWORK_HOME/dev/tls/ca.pem for targets on this machine, else the JDK's CAs).")
  private Path cacert;

  @Option(
      names = "--plaintext",
      scope = ScopeType.INHERIT,
      description =
          "INSECURE: call without TLS, for a mesh started with --plaintext to debug it; tokens"
              + " and payloads cross the network in the clear.")
  private boolean plaintext;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print one JSON object instead of text.")
  private boolean json;

  @Option(
      names = "--progress",
      paramLabel = "WHEN",
      scope = ScopeType.INHERIT,
      defaultValue = "auto",
      description =
          "Progress on standard error: auto (on a terminal only), always (also into a pipe or a"
              + " file, line by line), never (default: ${DEFAULT-VALUE}).")
  private Progress progress = Progress.AUTO;

  /** When progress is shown ({@code --progress}). */
  enum Progress {
    AUTO,
    ALWAYS,
    NEVER
  }

  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "On a failure, print its detail (the stack trace) after the one-line message.")
  private boolean debug;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show this help and exit.")
  private boolean help;

  private MeshCli(Function<MeshClientOptions, MeshClient> connector, boolean terminal) {
    this.connector = connector;
    this.terminal = terminal;
  }

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Returns the {@code meshwork} command, connecting to the mesh over the network. */
  public static CommandLine commandLine() {
    return commandLine(MeshClient::connect);
  }

  /**
   * Returns the {@code meshwork} command with clients made by {@code connector} from the global
   * options: tests pass one that returns a client over in-process channels.
   */
  public static CommandLine commandLine(Function<MeshClientOptions, MeshClient> connector) {
    return commandLine(connector, stderrIsTerminal());
  }

  /**
   * As {@link #commandLine(Function)}, drawing progress and colour as on a terminal when {@code
   * terminal} (tests).
   */
  static CommandLine commandLine(
      Function<MeshClientOptions, MeshClient> connector, boolean terminal) {
    Objects.requireNonNull(connector, "connector");
    CommandLine commandLine = new CommandLine(new MeshCli(connector, terminal));
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setParameterExceptionHandler(MeshCli::usageError);
    commandLine.setExecutionExceptionHandler(MeshCli::failure);
    return commandLine;
  }

  /** Returns the root command of the command line that {@code spec} belongs to. */
  public static MeshCli from(CommandSpec spec) {
    Object root = spec.root().userObject();
    if (root instanceof MeshCli cli) {
      return cli;
    }
    throw new IllegalStateException("command " + spec.qualifiedName() + " is not under meshwork");
  }

  /** Returns the client options the global options describe (loading or creating the identity). */
  public MeshClientOptions clientOptions() {
    MeshClientOptions.Builder options =
        MeshClientOptions.newBuilder()
            .orchestratorTarget(orchestrator)
            .ledgerTarget(ledger)
            .receiptTarget(receipts);
    if (home != null) {
      options.home(home);
    }
    if (plaintext) {
      err().println("meshwork: --plaintext: INSECURE, calls go without TLS");
      err().flush();
    }
    return options.caCertificate(cacert).plaintext(plaintext).build();
  }

  /** Opens a client to the mesh the global options name; the caller closes it. */
  public MeshClient connect() {
    if (!debug) {
      quietLibraries();
    }
    return connector.apply(clientOptions());
  }

  /**
   * Keeps the logs of gRPC and Netty off a client command's standard error: whatever goes wrong in
   * a call reaches the command as its failure, which prints as one line; their log records would
   * repeat it with a stack trace. {@code --debug} leaves them on.
   */
  private static synchronized void quietLibraries() {
    if (!QUIETED.isEmpty()) {
      return;
    }
    for (String name : new String[] {"io.grpc", "io.grpc.netty.shaded.io.netty", "io.netty"}) {
      java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
      logger.setLevel(java.util.logging.Level.OFF);
      QUIETED.add(logger);
    }
  }

  /** The orchestrator's target as {@code --orchestrator} gives it, {@code HOST:PORT}. */
  public String orchestrator() {
    return orchestrator;
  }

  /** True when {@code --plaintext} was given: no TLS (insecure, for debugging). */
  public boolean plaintext() {
    return plaintext;
  }

  /** The folder {@code --home} names, if any. */
  public java.util.Optional<Path> home() {
    return java.util.Optional.ofNullable(home);
  }

  /** The CA certificate file {@code --cacert} names, if any. */
  public java.util.Optional<Path> caCertificate() {
    return java.util.Optional.ofNullable(cacert);
  }

  /** True when {@code --debug} was given: a failure's stack trace follows its one-line message. */
  public boolean debug() {
    return debug;
  }

  /** True when {@code --json} was given: print one JSON object instead of text. */
  public boolean json() {
    return json;
  }

  /**
   * Prints {@code object} as one line of JSON on standard output, as every command's {@code --json}
   * does: for a launcher's own commands. Values are strings, numbers, booleans, null, lists and
   * maps of them.
   */
  public void printJson(java.util.Map<String, ?> object) {
    out().println(Json.write(object));
    out().flush();
  }

  /** Where results go. */
  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /**
   * Standard output as bytes, for a result streamed as it is; flush {@link #out()} before writing
   * to it.
   */
  public java.io.OutputStream stdout() {
    return stdout;
  }

  /** Sends {@link #stdout()} elsewhere (tests). */
  void stdout(java.io.OutputStream stream) {
    this.stdout = stream;
  }

  /** Where progress and errors go. */
  public PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * True when standard error is a terminal: progress is drawn (redrawn in place on one line), and
   * nowhere else.
   */
  boolean terminal() {
    return terminal;
  }

  /**
   * A progress line on standard error as {@code --progress} asks: redrawn in place on a terminal,
   * nothing elsewhere unless {@code --progress always}, nothing at all with {@code never}.
   */
  ProgressLine progressLine() {
    boolean shows =
        switch (progress) {
          case AUTO -> terminal;
          case ALWAYS -> true;
          case NEVER -> false;
        };
    return new ProgressLine(err(), terminal, shows);
  }

  /**
   * The colours of text for people: on a terminal, unless {@code NO_COLOR} is set or {@code TERM}
   * is {@code dumb}; never with {@code --json}.
   */
  Colours colours() {
    return Colours.when(terminal && !json);
  }

  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    MeshCli cli =
        command.getCommandSpec().root().userObject() instanceof MeshCli root ? root : null;
    Colours colours = cli == null ? Colours.when(false) : cli.colours();
    // One line, like every error: the cause, then where the usage is.
    err.println(
        colours.red("meshwork:")
            + " "
            + oneLine(e.getMessage())
            + "; see '"
            + command.getCommandSpec().qualifiedName()
            + " --help'");
    if (cli != null && cli.debug && e.getCause() != null) {
      e.getCause().printStackTrace(err);
    }
    err.flush();
    return EXIT_USAGE;
  }

  private static int failure(
      Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
    PrintWriter err = command.getErr();
    MeshCli cli =
        command.getCommandSpec().root().userObject() instanceof MeshCli root ? root : null;
    Colours colours = cli == null ? Colours.when(false) : cli.colours();
    err.println(colours.red("meshwork:") + " " + describe(e));
    if (cli != null && cli.debug) {
      e.printStackTrace(err);
    }
    err.flush();
    return exitCode(e);
  }

  /** The exit code of a command that failed with {@code e}. */
  static int exitCode(Throwable e) {
    if (e instanceof MeshClientException failure
        && (failure.code() == io.grpc.Status.Code.UNAVAILABLE
            || failure.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED)) {
      return EXIT_UNREACHABLE;
    }
    return EXIT_FAILURE;
  }

  /**
   * Returns the one-line form of a failure: the message, then the status and reason, then what to
   * do about it when the CLI knows.
   */
  static String describe(Throwable e) {
    if (e instanceof MeshClientException failure) {
      String line =
          oneLine(failure.getMessage())
              + " ("
              + failure.code()
              + failure.reason().map(reason -> ", " + reason).orElse("")
              + ")";
      return Remedies.of(failure).map(remedy -> line + "; " + remedy).orElse(line);
    }
    return oneLine(plainMessage(e));
  }

  /** A message on one line, whatever a service or library put in it. */
  private static String oneLine(String message) {
    return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  private static String plainMessage(Throwable e) {
    String message = e.getMessage();
    Throwable cause = e.getCause();
    // An unchecked wrapper says what was being done, its cause what went wrong: show both.
    if (cause != null && cause.getMessage() != null) {
      if (message == null) {
        message = cause.getMessage();
      } else if (!message.contains(cause.getMessage())) {
        message = message + ": " + cause.getMessage();
      }
    }
    return message == null ? e.getClass().getSimpleName() : message;
  }

  private static boolean stderrIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    // From JDK 22 on, System.console() exists even when the streams are redirected, and
    // Console.isTerminal() tells the difference; JDK 21 has no such method but returns null then.
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}

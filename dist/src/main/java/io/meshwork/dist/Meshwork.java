package io.meshwork.dist;

import io.meshwork.client.cli.MeshCli;
import picocli.CommandLine;

/**
 * The {@code meshwork} command: the client commands plus {@code dev}, {@code demo}, {@code serve},
 * {@code bench}, {@code bench-data}, {@code bench-members} and {@code identity}.
 */
public final class Meshwork {
  private Meshwork() {}

  /** Builds the full command line. */
  static CommandLine commandLine() {
    CommandLine cli = MeshCli.commandLine();
    cli.addSubcommand("dev", new DevCommand());
    cli.addSubcommand("demo", new DemoCommand());
    cli.addSubcommand("serve", new ServeCommand());
    cli.addSubcommand("bench", new BenchCommand());
    cli.addSubcommand("bench-data", new DataBenchCommand());
    cli.addSubcommand("bench-members", new MembersBenchCommand());
    cli.addSubcommand("identity", new IdentityCommand());
    return cli;
  }

  /** Runs the command line. */
  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0 || !(args.length > 0 && (args[0].equals("serve") || args[0].equals("dev")))) {
      System.exit(code);
    }
  }
}

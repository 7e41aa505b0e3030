package io.meshwork.client.cli;

import io.meshwork.client.MeshClient;
import io.meshwork.ledger.v1.Account;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code meshwork balance}: prints the caller's mana account. */
@Command(name = "balance", description = "Print your mana: balance, held for jobs, available.")
final class BalanceCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Override
  public Integer call() {
    MeshCli cli = MeshCli.from(spec);
    try (MeshClient mesh = cli.connect()) {
      Account account = mesh.balance();
      if (cli.json()) {
        Map<String, Object> json = Json.object();
        json.put("did", account.getDid());
        json.put("balance", account.getBalance());
        json.put("held", account.getHeld());
        json.put("available", account.getAvailable());
        json.put("floor", account.getFloor());
        cli.out().println(Json.write(json));
      } else {
        cli.out().printf("did        %s%n", account.getDid());
        cli.out().printf("balance    %d mana%n", account.getBalance());
        cli.out().printf("held       %d mana%n", account.getHeld());
        cli.out().printf("available  %d mana%n", account.getAvailable());
        if (account.getFloor() != 0) {
          // Only shown when the operator set one: the default floor of 0 goes without saying.
          cli.out()
              .printf("floor      %d mana (available may go down to this)%n", account.getFloor());
        }
        if (account.getHeld() > 0) {
          cli.out().println("(held mana is reserved for running jobs: meshwork ledger history)");
        }
      }
      cli.out().flush();
      return 0;
    }
  }
}

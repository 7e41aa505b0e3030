package io.meshwork.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshwork.client.ExecutorMember;
import io.meshwork.client.FakeMembership;
import io.meshwork.identity.Identity;
import io.meshwork.membership.v1.MemberState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshwork executors}, {@code join-token create} and {@code executor drain} against an
 * in-process MembershipService that knows the CLI's identity (from {@code --home}) as its operator.
 */
class MembershipCommandsTest {
  private static final String DID_A = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";
  private static final String DID_B = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";

  @TempDir Path dir;
  private FakeMembership orchestrator;

  /** What one run of the command line printed and returned. */
  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    Identity cli = Identity.loadOrCreate(dir.resolve("home").resolve("identity.key"));
    orchestrator = new FakeMembership(cli);
  }

  @AfterEach
  void stop() {
    orchestrator.close();
  }

  private Run run(String... args) {
    return runAs(dir.resolve("home"), args);
  }

  private Run runAs(Path home, String... args) {
    var commandLine = MeshCli.commandLine(orchestrator::client);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--home", home.toString()));
    all.addAll(Arrays.asList(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  private void twoMembersAndOneThatLeft() {
    long twoHoursAgo = Instant.now().minus(Duration.ofMinutes(125)).minusSeconds(30).toEpochMilli();
    orchestrator.members.add(
        FakeMembership.member(
            DID_A, "10.0.0.7:50061", MemberState.MEMBER_STATE_LIVE, 0.5f, twoHoursAgo));
    orchestrator.members.add(
        FakeMembership.member(DID_B, "127.0.0.1:50054", MemberState.MEMBER_STATE_LIVE, 0f, 0)
            .toBuilder()
            .setSource("config")
            .setReputation(1)
            .build());
    orchestrator.members.add(
        FakeMembership.member(
            "did:key:z6MkleftCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC3",
            "10.0.0.9:50061",
            MemberState.MEMBER_STATE_LEFT,
            0f,
            twoHoursAgo));
  }

  @Test
  void executorsPrintsATableWithAbbreviatedDidsAndHeartbeatsAgo() {
    twoMembersAndOneThatLeft();

    Run run = run("executors");

    assertEquals(0, run.exit(), run.err());
    assertEquals(
        """
        DID                      ENDPOINT         STATE  LOAD  REPUTATION  HEARTBEAT      SOURCE
        did:key:z6Mkha...ta2doK  10.0.0.7:50061   live   0.50        0.93  2 h 5 min ago  join
        did:key:z6MkrJ...swbTQ2  127.0.0.1:50054  live   0.00        1.00  -              config
        """,
        run.out());
    assertEquals("", run.err());
    assertEquals(false, orchestrator.listRequests.get(0).getIncludeLeft());
  }

  @Test
  void executorsAllIncludesThoseThatLeft() {
    twoMembersAndOneThatLeft();

    Run run = run("executors", "--all");

    assertEquals(0, run.exit(), run.err());
    assertTrue(orchestrator.listRequests.get(0).getIncludeLeft());
    assertTrue(run.out().contains("10.0.0.9:50061   left "), run.out());
  }

  @Test
  void executorsJsonPrintsEveryFieldOfEveryMember() {
    orchestrator.members.add(
        FakeMembership.member(DID_A, "10.0.0.7:50061", MemberState.MEMBER_STATE_SUSPECT, 0.5f, 0));

    Run run = run("executors", "--json");

    assertEquals(0, run.exit(), run.err());
    assertEquals(
        "{\"executors\":[{\"executor_did\":\""
            + DID_A
            + "\",\"endpoint\":\"10.0.0.7:50061\",\"state\":\"suspect\",\"load\":0.5,"
            + "\"reputation\":0.93,\"capacity\":{\"cores\":8,\"ram_mb\":16384,\"slots\":4,"
            + "\"running\":1,\"queued\":1},\"last_heartbeat_at\":null,"
            + "\"joined_at\":1795250000000,\"engine_version\":\"chicory 1.5.1\","
            + "\"source\":\"join\"}]}\n",
        run.out());
  }

  @Test
  void executorsWithNoMembersSaysSo() {
    assertEquals("no executors\n", run("executors").out());
    assertEquals("{\"executors\":[]}\n", run("executors", "--json").out());
  }

  @Test
  void heartbeatsReadAsAPersonSaysThem() {
    Instant now = Instant.parse("2026-12-03T12:00:00Z");

    assertEquals("0.4 s ago", MemberViews.ago(now.minusMillis(400), now));
    assertEquals("9.9 s ago", MemberViews.ago(now.minusMillis(9_949), now));
    assertEquals("42 s ago", MemberViews.ago(now.minusSeconds(42), now));
    assertEquals("3 min ago", MemberViews.ago(now.minusSeconds(3 * 60 + 59), now));
    assertEquals("2 h ago", MemberViews.ago(now.minus(Duration.ofHours(2)), now));
    assertEquals("3 d 4 h ago", MemberViews.ago(now.minus(Duration.ofHours(76)), now));
    assertEquals("0.0 s ago", MemberViews.ago(now.plusSeconds(2), now), "clocks apart");
  }

  @Test
  void joinTokenCreatePrintsTheTokenAloneAndHowToUseItOnStderr() {
    orchestrator.now = System.currentTimeMillis();

    Run run =
        run(
            "--orchestrator",
            "orch.example.org:50051",
            "join-token",
            "create",
            "--valid-for",
            "1h",
            "--uses",
            "2",
            "--description",
            "rack 4");

    assertEquals(0, run.exit(), run.err());
    assertEquals(FakeMembership.TOKEN + "\n", run.out());
    assertTrue(
        run.err()
            .matches(
                "join token jt_7f3a admits 2 joins until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ"
                    + " \\(in 1 h\\)\n"
                    + "on the executor's host .*:\n"
                    + "  meshwork serve executor --join orch.example.org:50051 --join-token "
                    + FakeMembership.TOKEN
                    + "\n"),
        run.err());
    assertEquals(3_600, orchestrator.tokenRequests.get(0).getValidForSeconds());
    assertEquals(2, orchestrator.tokenRequests.get(0).getUses());
    assertEquals("rack 4", orchestrator.tokenRequests.get(0).getDescription());
  }

  @Test
  void joinTokenCreateJsonAndItsDefaults() {
    Run run = run("join-token", "create", "--json");

    assertEquals(0, run.exit(), run.err());
    assertEquals(
        "{\"token\":\""
            + FakeMembership.TOKEN
            + "\",\"token_id\":\"jt_7f3a\",\"expires_at\":"
            + (FakeMembership.NOW + 3_600_000)
            + ",\"uses\":1}\n",
        run.out());
    assertEquals("", run.err());
    assertEquals(0, orchestrator.tokenRequests.get(0).getValidForSeconds(), "orchestrator's");
    assertEquals(1, orchestrator.tokenRequests.get(0).getUses());
  }

  @Test
  void validForTakesUnitsAndIso8601AndRefusesTheRest() {
    assertEquals(0, run("join-token", "create", "--valid-for", "1h30m").exit());
    assertEquals(0, run("join-token", "create", "--valid-for", "PT2H").exit());
    assertEquals(5_400, orchestrator.tokenRequests.get(0).getValidForSeconds());
    assertEquals(7_200, orchestrator.tokenRequests.get(1).getValidForSeconds());

    for (String bad : List.of("soon", "10", "0s", "1h-5m", "h")) {
      Run run = run("join-token", "create", "--valid-for", bad);
      assertEquals(2, run.exit(), bad);
      assertTrue(run.err().startsWith("meshwork: "), run.err());
    }
    Run noUses = run("join-token", "create", "--uses", "0");
    assertEquals(2, noUses.exit());
    assertTrue(noUses.err().contains("--uses must be at least 1"), noUses.err());
    assertEquals(2, orchestrator.tokenRequests.size(), "nothing was sent for bad usage");
  }

  @Test
  void executorDrainPrintsTheNewStateAsTextOrJson() {
    orchestrator.members.add(
        FakeMembership.member(DID_A, "10.0.0.7:50061", MemberState.MEMBER_STATE_LIVE, 0f, 0));

    Run text = run("executor", "drain", DID_A);
    Run json = run("executor", "drain", DID_A, "--json");

    assertEquals(0, text.exit(), text.err());
    assertEquals("executor " + DID_A + ": draining\n", text.out());
    assertEquals("{\"executor_did\":\"" + DID_A + "\",\"state\":\"draining\"}\n", json.out());
    assertEquals(DID_A, orchestrator.drainRequests.get(0).getExecutorDid());
  }

  @Test
  void drainingAnUnknownExecutorFailsWithOneLine() {
    Run run = run("executor", "drain", DID_B);

    assertEquals(1, run.exit());
    assertEquals("", run.out());
    assertEquals("meshwork: no member " + DID_B + " (NOT_FOUND, MEMBER_NOT_FOUND)\n", run.err());
  }

  @Test
  void aCallerWhoIsNotAnOperatorGetsOneLineAndExitCodeOne() throws Exception {
    Path strangerHome = dir.resolve("stranger");
    String stranger = Identity.loadOrCreate(strangerHome.resolve("identity.key")).did();

    for (String[] command :
        List.of(
            new String[] {"executors"},
            new String[] {"join-token", "create"},
            new String[] {"executor", "drain", DID_A})) {
      Run run = runAs(strangerHome, command);

      assertEquals(1, run.exit(), run.err());
      assertEquals("", run.out());
      assertTrue(
          run.err().startsWith("meshwork: meshwork.membership.v1.MembershipService/"), run.err());
      assertTrue(
          run.err()
              .endsWith(
                  " is for the role operator; the caller "
                      + stranger
                      + " is user (PERMISSION_DENIED, ROLE_REQUIRED); roles are the mesh"
                      + " operator's to grant\n"),
          run.err());
      assertEquals(1, run.err().lines().count(), run.err());
    }
    assertTrue(orchestrator.callers.isEmpty());
  }

  @Test
  void theMembershipCommandsWithoutASubcommandAreBadUsage() {
    assertEquals(2, run("executor").exit());
    assertEquals(2, run("join-token").exit());
    assertEquals(2, run("executor", "drain").exit());
  }

  @Test
  void aStateTheCliDoesNotKnowReadsAsUnknown() {
    assertEquals("unknown", MemberViews.state(ExecutorMember.State.UNKNOWN));
  }
}

package io.meshwork.orchestrator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The orchestrator's shape, checked on every build: the domain (jobs, tasks, trust, membership,
 * leadership, scaling) speaks only its own records and the ports it defines; transports, generated
 * messages, storage and the Kubernetes client stay in the adapters; no two packages depend on each
 * other; and no class grows past one job.
 */
class ArchitectureTest {
  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.meshwork.orchestrator");

  private static final String[] DOMAIN = {
    "io.meshwork.orchestrator.jobs..",
    "io.meshwork.orchestrator.membership..",
    "io.meshwork.orchestrator.tasks..",
    "io.meshwork.orchestrator.trust..",
    "io.meshwork.orchestrator.leadership..",
    "io.meshwork.orchestrator.scaling.."
  };

  @Test
  void theDomainUsesNoTransportAndNoGeneratedMessages() {
    noClasses()
        .that()
        .resideInAnyPackage(DOMAIN)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "com.google.protobuf..",
            "com.google.rpc..",
            "io.meshwork.compute.v1..",
            "io.meshwork.executor.v1..",
            "io.meshwork.mesh.v1..",
            "io.meshwork.ledger.v1..",
            "io.meshwork.receipt.v1..",
            "io.meshwork.membership.v1..",
            "io.meshwork.executor..",
            // The receipt codec speaks the generated ExecutionReceipt.
            "io.meshwork.receipt.format..",
            "io.fabric8..")
        .because("the job core is tested without gRPC, against fakes of its ports")
        .check(MAIN);
  }

  @Test
  void theDomainDoesNotKnowItsAdapters() {
    noClasses()
        .that()
        .resideInAnyPackage(DOMAIN)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.meshwork.orchestrator.grpc..",
            "io.meshwork.orchestrator.kube..",
            "io.meshwork.orchestrator.mesh..",
            "io.meshwork.orchestrator.store..",
            "io.meshwork.orchestrator.wire..")
        .because("adapters implement the domain's ports, never the other way round")
        .check(MAIN);
  }

  @Test
  void tracingGoesThroughTheRuntimesFacade() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.opentelemetry..")
        .because("spans start through io.meshwork.runtime.tracing, which alone knows OpenTelemetry")
        .check(MAIN);
  }

  @Test
  void onlyTheJournalUsesJdbc() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.meshwork.orchestrator.store..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..")
        .check(MAIN);
  }

  @Test
  void packagesFormNoCycles() {
    slices().matching("io.meshwork.orchestrator.(*)..").should().beFreeOfCycles().check(MAIN);
  }

  private static final int MAX_LINES = 600;
  private static final Pattern TYPE =
      Pattern.compile(
          "^(public |final |abstract |sealed |non-sealed )*(class|interface|record|enum) ",
          Pattern.MULTILINE);

  @Test
  void noClassIsLongerThan600LinesAndEachSaysItsJobFirst() throws IOException {
    List<String> problems = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String text = Files.readString(f);
        long lines = text.lines().count();
        if (lines > MAX_LINES) {
          problems.add(f + " has " + lines + " lines");
        }
        if (f.endsWith("package-info.java")) {
          continue;
        }
        var type = TYPE.matcher(text);
        if (!type.find() || !text.substring(0, type.start()).stripTrailing().endsWith("*/")) {
          problems.add(f + " has no doc comment on its top-level type");
        }
      }
    }
    assertEquals(List.of(), problems);
  }
}

package io.meshwork.client.cli;

import io.grpc.Status;
import io.meshwork.client.MeshClientException;
import java.util.Optional;

/**
 * What a person can do about a failed call, by its status and reason: the second half of the CLI's
 * one-line error ({@code meshwork: <cause> (<STATUS>, <REASON>); <what to do>}). Failures with
 * nothing useful to add get nothing: a guess would be noise.
 */
final class Remedies {
  private Remedies() {}

  /** What to do about {@code failure}, when the CLI knows. */
  static Optional<String> of(MeshClientException failure) {
    String reason = failure.reason().orElse("");
    Status.Code code = failure.code();
    String message = failure.getMessage();
    return Optional.ofNullable(
        switch (code) {
          case UNAVAILABLE ->
              message.contains("--cacert")
                  ? null
                  : message.startsWith("cannot reach")
                      ? "is the mesh running? 'meshwork dev' runs one on this machine;"
                          + " --orchestrator, --ledger and --receipt-log name another"
                      : "the service is not serving now; try again in a moment";
          case DEADLINE_EXCEEDED ->
              "no answer in time; the mesh may be overloaded or unreachable: try again";
          case NOT_FOUND -> reason.equals("JOB_NOT_FOUND") ? "'meshwork jobs' lists yours" : null;
          case PERMISSION_DENIED ->
              switch (reason) {
                case "NOT_OWNER" ->
                    "only its submitter and the mesh's operators may; 'meshwork jobs' lists yours";
                case "ROLE_REQUIRED" -> "roles are the mesh operator's to grant";
                default -> null;
              };
          case UNAUTHENTICATED ->
              "the mesh did not accept this identity's token; check this machine's clock"
                  + " (tokens are valid for minutes) and --home";
          case FAILED_PRECONDITION ->
              reason.equals("INSUFFICIENT_MANA")
                  ? "'meshwork balance' shows your mana; a smaller --budget may do"
                  : null;
          case RESOURCE_EXHAUSTED ->
              switch (reason) {
                case "QUOTA_EXCEEDED" ->
                    "your blobs fill your quota; they expire after the jobs that use them end";
                case "REPLAY_QUOTA", "REPLAY_CAPACITY" -> "too many calls at once; try again";
                default -> null;
              };
          case INVALID_ARGUMENT ->
              reason.equals("BLOB_TOO_LARGE")
                  ? "the orchestrator takes no larger input (its blobs.max-blob-bytes);"
                      + " split it over several jobs"
                  : null;
          default -> null;
        });
  }
}

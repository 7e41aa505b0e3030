package io.meshwork.orchestrator.jobs;

import io.meshwork.runtime.errors.MeshException;
import java.util.function.Consumer;

/**
 * Port: inputs named by a URL ({@code input_url}), which the orchestrator fetches into its blob
 * store as a blob of the job's submitter. The operator decides which hosts may be fetched from; the
 * adapter refuses every other one, and every address that is not public, so that a job cannot make
 * the orchestrator reach into the network it runs in.
 */
public interface UrlInputs {
  /**
   * Checks, when a job is submitted, that {@code url} may be fetched: its scheme, its host, and
   * every address the host resolves to now. The fetch checks all of it again, since names resolve
   * differently over time.
   *
   * @throws MeshException INVALID_ARGUMENT for a malformed URL or a scheme not allowed,
   *     PERMISSION_DENIED for a host or an address not allowed, FAILED_PRECONDITION when this
   *     orchestrator fetches no URLs; each message names the host or address and the setting
   */
  void check(String url);

  /**
   * Fetches {@code url} into the blob store as the input of job {@code jobId}: a blob held by (and
   * charged to) {@code submitterDid}, used by the job from the moment it is stored. The bytes are
   * hashed as they stream; none is held whole.
   *
   * @param sha256 the hex SHA-256 the bytes must have, or "" to take whatever comes
   * @param deadlineMillis when to give up, epoch milliseconds
   * @param onCancel takes, for each connection, what breaks it off; the job runs it when cancelled
   * @return the blob's CID
   * @throws MeshException saying in one line what went wrong: a URL or redirect refused, an answer
   *     other than 200 or without a Content-Length, a blob too large, a timeout, or bytes whose
   *     SHA-256 is not {@code sha256} (naming both hashes)
   */
  String fetch(
      String jobId,
      String submitterDid,
      String url,
      String sha256,
      long deadlineMillis,
      Consumer<Runnable> onCancel);
}

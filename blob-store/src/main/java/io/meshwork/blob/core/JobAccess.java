package io.meshwork.blob.core;

import java.util.Optional;

/**
 * What the blob store needs to know about jobs, which the process that runs them (the orchestrator)
 * answers. It is the authorization port: the catalog knows who holds a blob and which jobs use it,
 * and this says who works on those jobs.
 *
 * <p>Calls come on gRPC threads and should answer from memory or a quick look-up; they must be safe
 * to call concurrently.
 */
public interface JobAccess {
  /**
   * Whether {@code did} works on job {@code jobId}: its submitter, an orchestrator running or
   * delegated part of it, or an executor holding one of its tasks. False for an unknown job.
   */
  boolean worksOn(String did, String jobId);

  /**
   * The submitter of job {@code jobId}, if the job is known: blobs uploaded for the job belong to
   * (and are charged to) the submitter, whoever streams the bytes.
   */
  Optional<String> submitter(String jobId);

  /**
   * Whether {@code did} may read every blob, such as the orchestrator's own identity or an
   * operator's. Such a caller is told plainly when a blob does not exist.
   */
  boolean readsAll(String did);
}

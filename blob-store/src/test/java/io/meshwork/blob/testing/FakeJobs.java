package io.meshwork.blob.testing;

import io.meshwork.blob.core.JobAccess;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Jobs as a test declares them: who submitted each, who works on it, who reads everything. */
public final class FakeJobs implements JobAccess {
  private final Map<String, String> submitters = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> workers = new ConcurrentHashMap<>();
  private final Set<String> readers = ConcurrentHashMap.newKeySet();

  /** Declares job {@code jobId}, submitted by {@code submitter}, who works on it too. */
  public FakeJobs job(String jobId, String submitter) {
    submitters.put(jobId, submitter);
    return worker(jobId, submitter);
  }

  /** Lets {@code did} work on {@code jobId}. */
  public FakeJobs worker(String jobId, String did) {
    workers.computeIfAbsent(jobId, j -> ConcurrentHashMap.newKeySet()).add(did);
    return this;
  }

  /** Lets {@code did} read every blob. */
  public FakeJobs reader(String did) {
    readers.add(did);
    return this;
  }

  @Override
  public boolean worksOn(String did, String jobId) {
    return workers.getOrDefault(jobId, Set.of()).contains(did);
  }

  @Override
  public Optional<String> submitter(String jobId) {
    return Optional.ofNullable(submitters.get(jobId));
  }

  @Override
  public boolean readsAll(String did) {
    return readers.contains(did);
  }
}

package io.meshwork.blob.core;

import io.meshwork.content.Cid;
import io.meshwork.runtime.errors.MeshException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The blob store's rules: who may upload what and how much, when an upload becomes a blob, who may
 * read a blob, which jobs keep one alive, and when one goes.
 *
 * <p><b>Uploads.</b> {@link #createUpload} checks the caller's quota and open uploads and records
 * an open upload; {@link #openWriter} streams bytes into it ({@link UploadWriter}), acknowledging
 * progress in durable steps, so an interrupted upload continues from its last acknowledged offset.
 * The bytes are hashed as they come, so the CID is known the moment the last byte is, and the same
 * bytes are stored once however many users upload them. Every uploader sends every byte, though: a
 * blob is never granted to someone who only knows its CID.
 *
 * <p><b>Reading.</b> A caller may read a blob it holds (it uploaded it, or it was uploaded for one
 * of its jobs), or one that a job it works on uses ({@link JobAccess#worksOn}), or any blob if
 * {@link JobAccess#readsAll}. Anyone else is refused the same way whether the blob exists or not,
 * so a CID cannot be used to learn whether someone stored some content.
 *
 * <p><b>Lifetime.</b> The process that runs jobs calls {@link #use} when a job takes up a blob and
 * {@link #release} when it ends. A blob no job uses stays for the retention period, counted from
 * when the last job let go (or from when it was stored), and {@link #sweep} then removes it; open
 * uploads idle for longer than their expiry are cancelled the same way.
 *
 * <p>Thread-safe. Which uploads are streaming and the per-CID locks live in memory, so one process
 * at a time serves a catalog and its store.
 */
public final class BlobRepository {
  private static final Logger LOG = Logger.getLogger(BlobRepository.class.getName());
  private static final int MAX_ID_LENGTH = 256;
  private static final int PAGE = 256;

  /**
   * What an uploader declares when it opens an upload.
   *
   * @param requestId its id for this upload, unique among its own
   * @param size the blob's length
   * @param expectedCid the CID the bytes must have, if known
   * @param jobId the job the blob is for, if any
   */
  public record NewUpload(
      String requestId, long size, Optional<String> expectedCid, Optional<String> jobId) {}

  /** What one {@link #sweep} did. */
  public record Sweep(int blobsRemoved, int uploadsExpired, int recordsForgotten) {}

  final BlobStore store;
  final BlobCatalog catalog;
  final Clock clock;
  final BlobLimits limits;
  private final JobAccess jobs;
  private final CidLocks locks = new CidLocks();
  private final Set<String> streaming = ConcurrentHashMap.newKeySet();
  private final SecureRandom random = new SecureRandom();

  /** Creates the repository over its three ports. */
  public BlobRepository(
      BlobStore store, BlobCatalog catalog, JobAccess jobs, Clock clock, BlobLimits limits) {
    this.store = store;
    this.catalog = catalog;
    this.jobs = jobs;
    this.clock = clock;
    this.limits = limits;
  }

  /** The limits in force. */
  public BlobLimits limits() {
    return limits;
  }

  // -- uploads -----------------------------------------------------------------------------------

  /**
   * Opens an upload for {@code caller}, or returns the one its {@code requestId} opened before.
   *
   * @throws MeshException INVALID_ARGUMENT for a bad field or a blob above the size limit;
   *     PERMISSION_DENIED if a job is named that the caller does not work on; RESOURCE_EXHAUSTED
   *     past the owner's quota or the uploader's open uploads; ALREADY_EXISTS for a request id
   *     reused with other fields; FAILED_PRECONDITION for a job that has let go of its blobs
   */
  public UploadSession createUpload(String caller, NewUpload request) {
    String requestId = requireId("request_id", request.requestId());
    if (request.size() < 0) {
      throw BlobErrors.invalidField("size", "must be at least 0, got " + request.size());
    }
    if (request.size() > limits.maxBlobBytes()) {
      throw BlobErrors.blobTooLarge(request.size(), limits.maxBlobBytes());
    }
    request.expectedCid().ifPresent(cid -> requireCid("expected_cid", cid));
    String owner = caller;
    if (request.jobId().isPresent()) {
      String jobId = requireId("job_id", request.jobId().get());
      if (!jobs.worksOn(caller, jobId)) {
        throw BlobErrors.notOnJob(caller, jobId);
      }
      owner = jobs.submitter(jobId).orElseThrow(() -> BlobErrors.notOnJob(caller, jobId));
    }
    String jobId = request.jobId().orElse("");
    String expected = request.expectedCid().orElse("");
    String ownerDid = owner;
    long now = clock.millis();
    return catalog.write(
        w -> {
          Optional<UploadSession> earlier = w.uploadByRequest(caller, requestId);
          if (earlier.isPresent()) {
            UploadSession e = earlier.get();
            if (e.size() != request.size()
                || !e.expectedCid().equals(expected)
                || !e.jobId().equals(jobId)) {
              throw BlobErrors.requestIdReused(requestId, e.uploadId());
            }
            return e;
          }
          if (!jobId.isEmpty() && w.jobReleasedAt(jobId).isPresent()) {
            throw BlobErrors.jobReleased(jobId);
          }
          UploadSession open =
              new UploadSession(
                  newUploadId(),
                  requestId,
                  caller,
                  ownerDid,
                  jobId,
                  request.size(),
                  expected,
                  0,
                  UploadHash.initialState(),
                  "",
                  UploadState.OPEN,
                  "",
                  now,
                  now);
          // An owner that already holds the declared blob has nothing to send: no other caller
          // learns anything from this, and no byte needs storing twice.
          if (!expected.isEmpty() && w.holds(expected, ownerDid)) {
            BlobRecord held = w.blob(expected).orElseThrow();
            if (held.size() == request.size()) {
              w.insertUpload(open);
              return recordComplete(w, open, held.cid(), held.size(), now);
            }
          }
          if (w.openUploads(caller) >= limits.maxOpenUploads()) {
            throw BlobErrors.tooManyUploads(caller, limits.maxOpenUploads());
          }
          long charged = w.bytesCharged(ownerDid);
          if (charged + request.size() > limits.quotaBytes()) {
            throw BlobErrors.quotaExceeded(ownerDid, limits.quotaBytes(), charged, request.size());
          }
          w.insertUpload(open);
          return open;
        });
  }

  /** Upload {@code uploadId} as it stands; only its uploader may ask. */
  public UploadSession upload(String caller, String uploadId) {
    return ownUpload(caller, uploadId);
  }

  /**
   * Cancels an open upload of {@code caller}'s: its quota is released and its bytes dropped. An
   * upload that already ended is returned as it is.
   *
   * @throws MeshException FAILED_PRECONDITION while bytes are streaming to it
   */
  public UploadSession cancelUpload(String caller, String uploadId) {
    UploadSession upload = ownUpload(caller, uploadId);
    if (upload.state() != UploadState.OPEN) {
      return upload;
    }
    if (!streaming.add(uploadId)) {
      throw BlobErrors.uploadBusy(uploadId);
    }
    try {
      return closeOpen(uploadId, UploadState.CANCELLED);
    } finally {
      streaming.remove(uploadId);
    }
  }

  /**
   * Starts an Upload call of {@code caller}'s at {@code offset}, which must be the upload's
   * acknowledged offset. Only one call at a time may stream to an upload; the writer must be
   * finished or abandoned.
   *
   * @throws MeshException FAILED_PRECONDITION for a closed upload, another offset, a call already
   *     streaming, or staged bytes that are gone
   */
  public UploadWriter openWriter(String caller, String uploadId, long offset) {
    UploadSession upload = ownUpload(caller, uploadId);
    if (upload.state() != UploadState.OPEN) {
      throw BlobErrors.uploadClosed(upload);
    }
    if (offset != upload.acknowledgedOffset()) {
      throw BlobErrors.offsetMismatch(uploadId, offset, upload.acknowledgedOffset());
    }
    if (!streaming.add(uploadId)) {
      throw BlobErrors.uploadBusy(uploadId);
    }
    try {
      // Read again now that no one else can stream to it: the first read raced other calls.
      UploadSession current = catalog.read(r -> r.upload(uploadId)).orElseThrow();
      if (current.state() != UploadState.OPEN
          || current.acknowledgedOffset() != upload.acknowledgedOffset()) {
        throw BlobErrors.offsetMismatch(uploadId, offset, current.acknowledgedOffset());
      }
      BlobStore.Staged staged =
          store.stage(
              uploadId,
              optional(current.expectedCid()),
              current.acknowledgedOffset(),
              current.storeToken());
      UploadHash hash;
      try {
        hash = UploadHash.resume(current, staged);
      } catch (RuntimeException e) {
        staged.close();
        throw e;
      }
      return new UploadWriter(this, current, staged, hash);
    } catch (RuntimeException e) {
      streaming.remove(uploadId);
      throw e;
    }
  }

  /** Called by a writer once it is done, whichever way. */
  void writerClosed(String uploadId) {
    streaming.remove(uploadId);
  }

  /**
   * Makes the fully received upload blob {@code cid}: stores the bytes unless the blob exists, then
   * records the blob, its holder and its job in one transaction.
   */
  UploadSession complete(UploadSession upload, BlobStore.Staged staged, String cid) {
    return locks.with(
        cid,
        () -> {
          boolean stored = catalog.read(r -> r.blob(cid).isPresent());
          if (stored) {
            staged.discard();
          } else {
            staged.commit(cid);
          }
          long now = clock.millis();
          return catalog.write(w -> recordComplete(w, upload, cid, upload.size(), now));
        });
  }

  /** Drops a failed upload's bytes and records why it failed. */
  UploadSession fail(UploadSession upload, BlobStore.Staged staged) {
    long now = clock.millis();
    UploadSession failed = upload.closed(UploadState.FAILED, "", now);
    catalog.write(
        w -> {
          w.updateUpload(failed);
          return null;
        });
    staged.discard();
    return failed;
  }

  private UploadSession recordComplete(
      BlobCatalog.Writer w, UploadSession upload, String cid, long size, long now) {
    if (w.blob(cid).isEmpty()) {
      w.insertBlob(new BlobRecord(cid, size, now, OptionalLong.of(now)));
    }
    w.addHolder(cid, upload.ownerDid(), now);
    boolean used = false;
    if (!upload.jobId().isEmpty()) {
      if (w.jobReleasedAt(upload.jobId()).isPresent()) {
        // The job ended while its blob was uploading: the owner holds it for the retention period.
        LOG.fine(() -> "job " + upload.jobId() + " ended before its blob " + cid + " arrived");
      } else {
        w.addUse(cid, upload.jobId(), now);
        used = true;
      }
    }
    if (used) {
      w.setUnusedSince(cid, Optional.empty());
    } else if (w.jobCount(cid) == 0) {
      // Stored (again) by a holder: its retention period starts now.
      w.setUnusedSince(cid, Optional.of(now));
    }
    UploadSession complete = upload.closed(UploadState.COMPLETE, cid, now);
    w.updateUpload(complete);
    return complete;
  }

  private UploadSession closeOpen(String uploadId, UploadState state) {
    long now = clock.millis();
    UploadSession closed =
        catalog.write(
            w -> {
              UploadSession current = w.upload(uploadId).orElseThrow();
              if (current.state() != UploadState.OPEN) {
                return current;
              }
              UploadSession c = current.closed(state, "", now);
              w.updateUpload(c);
              return c;
            });
    if (closed.state() == state) {
      // The catalog no longer counts the upload, so its quota is free whatever happens to the
      // staged bytes; if dropping them fails they are only garbage in the staging area.
      try (BlobStore.Staged staged =
          store.stage(
              uploadId,
              optional(closed.expectedCid()),
              closed.acknowledgedOffset(),
              closed.storeToken())) {
        staged.discard();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "could not drop the staged bytes of upload " + uploadId, e);
      }
    }
    return closed;
  }

  private UploadSession ownUpload(String caller, String uploadId) {
    requireId("upload_id", uploadId);
    UploadSession upload =
        catalog
            .read(r -> r.upload(uploadId))
            .orElseThrow(() -> BlobErrors.uploadNotFound(uploadId));
    if (!upload.uploaderDid().equals(caller)) {
      throw BlobErrors.notUploader(caller, uploadId);
    }
    return upload;
  }

  private String newUploadId() {
    byte[] id = new byte[16];
    random.nextBytes(id);
    return "up-" + HexFormat.of().formatHex(id);
  }

  // -- reading ----------------------------------------------------------------------------------

  /**
   * Blob {@code cid}, if {@code caller} may read it.
   *
   * @throws MeshException PERMISSION_DENIED if the caller may not read it (or it does not exist);
   *     NOT_FOUND if it does not exist and the caller may read every blob
   */
  public BlobRecord blob(String caller, String cid) {
    return authorize(caller, cid);
  }

  /**
   * Opens {@code length} bytes of blob {@code cid} from {@code offset} for {@code caller}; a length
   * of 0 reads to the end. Only the range is read from the store.
   */
  public BlobRange openRange(String caller, String cid, long offset, long length) {
    BlobRecord blob = authorize(caller, cid);
    long n = rangeLength(blob, offset, length);
    return new BlobRange(blob, offset, n, store.read(cid, offset, n));
  }

  /**
   * Blob {@code cid} as stored, without asking who may read it: for the answer to the upload that
   * just stored it.
   */
  public Optional<BlobRecord> storedBlob(String cid) {
    return catalog.read(r -> r.blob(cid));
  }

  /**
   * Whether {@code did} may read blob {@code cid}; for the orchestrator, before it lets a job that
   * {@code did} submits {@link #use} the blob.
   */
  public boolean mayRead(String did, String cid) {
    try {
      authorize(did, cid);
      return true;
    } catch (MeshException e) {
      return false;
    }
  }

  /**
   * A URL that fetches one range of blob {@code cid} without credentials for {@code ttl}, when the
   * store can make one (S3). The caller decides who gets it: the repository checks only the range.
   */
  public Optional<PresignedRange> presignRange(String cid, long offset, long length, Duration ttl) {
    requireCid("cid", cid);
    BlobRecord blob =
        catalog.read(r -> r.blob(cid)).orElseThrow(() -> BlobErrors.blobNotFound(cid));
    long n = rangeLength(blob, offset, length);
    return store.presignRange(cid, offset, n, ttl);
  }

  private BlobRecord authorize(String caller, String cid) {
    requireCid("cid", cid);
    Optional<BlobRecord> blob = catalog.read(r -> r.blob(cid));
    if (jobs.readsAll(caller)) {
      return blob.orElseThrow(() -> BlobErrors.blobNotFound(cid));
    }
    if (blob.isPresent()
        && (catalog.read(r -> r.holds(cid, caller)) || worksOnAJobUsing(caller, cid))) {
      return blob.get();
    }
    throw BlobErrors.accessDenied(caller, cid);
  }

  private boolean worksOnAJobUsing(String caller, String cid) {
    String after = "";
    while (true) {
      String from = after;
      List<String> page = catalog.read(r -> r.jobsUsing(cid, from, PAGE));
      for (String jobId : page) {
        if (jobs.worksOn(caller, jobId)) {
          return true;
        }
      }
      if (page.size() < PAGE) {
        return false;
      }
      after = page.get(page.size() - 1);
    }
  }

  private static long rangeLength(BlobRecord blob, long offset, long length) {
    if (offset < 0 || offset > blob.size()) {
      throw BlobErrors.invalidField(
          "offset", "must be between 0 and the blob's size " + blob.size() + ", got " + offset);
    }
    if (length < 0 || length > blob.size() - offset) {
      throw BlobErrors.invalidField(
          "length",
          "must be between 0 and "
              + (blob.size() - offset)
              + " (the bytes after offset "
              + offset
              + "), got "
              + length);
    }
    return length == 0 ? blob.size() - offset : length;
  }

  // -- lifetime ---------------------------------------------------------------------------------

  /**
   * Records that job {@code jobId} uses blob {@code cid}, which keeps the blob until the job is
   * {@link #release}d. The caller checks beforehand that the job's submitter may read the blob
   * ({@link #mayRead}). Using a blob twice is the same as once.
   *
   * @throws MeshException NOT_FOUND for an unknown blob; FAILED_PRECONDITION for a released job
   */
  public void use(String jobId, String cid) {
    requireId("job_id", jobId);
    requireCid("cid", cid);
    long now = clock.millis();
    locks.with(
        cid,
        () ->
            catalog.write(
                w -> {
                  if (w.jobReleasedAt(jobId).isPresent()) {
                    throw BlobErrors.jobReleased(jobId);
                  }
                  if (w.blob(cid).isEmpty()) {
                    throw BlobErrors.blobNotFound(cid);
                  }
                  if (w.addUse(cid, jobId, now)) {
                    w.setUnusedSince(cid, Optional.empty());
                  }
                  return null;
                }));
  }

  /**
   * Records that job {@code jobId} has ended and uses no blob any more; each blob it was the last
   * user of starts its retention period now. Later uploads for the job, and {@link #use}, are
   * refused. Releasing a job twice is the same as once. Returns the blobs it let go of.
   */
  public List<String> release(String jobId) {
    requireId("job_id", jobId);
    long now = clock.millis();
    return catalog.write(
        w -> {
          List<String> cids = w.removeUses(jobId);
          for (String cid : cids) {
            if (w.jobCount(cid) == 0) {
              w.setUnusedSince(cid, Optional.of(now));
            }
          }
          w.markJobReleased(jobId, now);
          return cids;
        });
  }

  /**
   * Removes what has outlived its period: blobs no job used for the retention period, open uploads
   * idle past their expiry (cancelled, their bytes dropped), and the records of closed uploads and
   * released jobs older than the retention period.
   */
  public Sweep sweep() {
    long now = clock.millis();
    long cutoff = now - limits.retention().toMillis();
    int removed = 0;
    List<String> due;
    do {
      due = catalog.read(r -> r.unusedSince(cutoff, PAGE));
      for (String cid : due) {
        if (removeIfUnused(cid, cutoff)) {
          removed++;
        }
      }
    } while (due.size() == PAGE);
    int expired = 0;
    long idleCutoff = now - limits.uploadExpiry().toMillis();
    for (String uploadId : catalog.read(r -> r.idleUploads(idleCutoff, PAGE))) {
      // One that is streaming right now is not idle, whatever its last checkpoint says.
      if (streaming.add(uploadId)) {
        try {
          if (closeOpen(uploadId, UploadState.CANCELLED).state() == UploadState.CANCELLED) {
            expired++;
          }
        } finally {
          streaming.remove(uploadId);
        }
      }
    }
    int forgotten =
        catalog.write(w -> w.deleteClosedUploads(cutoff) + w.deleteReleasedJobs(cutoff));
    return new Sweep(removed, expired, forgotten);
  }

  private boolean removeIfUnused(String cid, long cutoff) {
    return locks.with(
        cid,
        () -> {
          // The row goes first and the bytes after: a crash in between leaves bytes nobody
          // names, never a blob whose bytes are missing.
          boolean gone =
              catalog.write(
                  w -> {
                    Optional<BlobRecord> blob = w.blob(cid);
                    boolean due =
                        blob.isPresent()
                            && w.jobCount(cid) == 0
                            && blob.get().unreferencedSince().isPresent()
                            && blob.get().unreferencedSince().getAsLong() <= cutoff;
                    if (due) {
                      w.deleteBlob(cid);
                    }
                    return due;
                  });
          if (gone) {
            store.delete(cid);
          }
          return gone;
        });
  }

  // -- checks -----------------------------------------------------------------------------------

  private static String requireId(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw BlobErrors.invalidField(field, "is required");
    }
    if (value.length() > MAX_ID_LENGTH) {
      throw BlobErrors.invalidField(field, "is longer than " + MAX_ID_LENGTH + " characters");
    }
    return value;
  }

  private static void requireCid(String field, String cid) {
    if (cid == null || cid.isEmpty()) {
      throw BlobErrors.invalidField(field, "is required");
    }
    try {
      Cid.requireCanonical(cid);
    } catch (IllegalArgumentException e) {
      throw BlobErrors.invalidField(
          field, "is not a canonical CIDv1 raw sha2-256 CID: " + e.getMessage());
    }
  }

  private static Optional<String> optional(String value) {
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }
}

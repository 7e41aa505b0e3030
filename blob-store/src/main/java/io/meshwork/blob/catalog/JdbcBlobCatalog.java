package io.meshwork.blob.catalog;

import io.meshwork.blob.core.BlobCatalog;
import io.meshwork.blob.core.BlobRecord;
import io.meshwork.blob.core.UploadSession;
import io.meshwork.blob.core.UploadState;
import io.meshwork.runtime.errors.MeshException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * What the SQLite and PostgreSQL catalogs share: the SQL, and one writing and one reading
 * connection.
 *
 * <p>Writes run one at a time on the writing connection, each in its own transaction, so a check
 * and the change it allows never interleave with another write. Unlike the ledger, the catalog does
 * not group commits: a blob's bookkeeping changes a few times per upload (one checkpoint per 16 MiB
 * by default), while its bytes take far longer to move, so one sync per write costs nothing that
 * shows. Reads run on their own connection, each in a transaction of its own, so they see one
 * snapshot and never wait for a write's sync.
 */
public abstract class JdbcBlobCatalog implements BlobCatalog {
  private static final String UPLOAD_COLUMNS =
      "upload_id, request_id, uploader_did, owner_did, job_id, size, expected_cid, acknowledged,"
          + " hash_state, store_token, state, cid, created_at, touched_at";

  private final String description;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock readLock = new ReentrantLock();
  private Connection writeConnection;
  private Connection readConnection;
  private boolean writerBroken;
  private boolean readerBroken;

  /** Takes over one writing and one reading connection; {@code description} names the database. */
  protected JdbcBlobCatalog(String description, Connection writer, Connection reader) {
    this.description = description;
    this.writeConnection = writer;
    this.readConnection = reader;
  }

  // -- what each database does its own way -----------------------------------------------------

  /** Starts a write transaction (and takes whatever makes this the only writer). */
  protected abstract void begin(Connection c) throws SQLException;

  /** Commits durably. */
  protected abstract void commit(Connection c) throws SQLException;

  /** Rolls back. */
  protected abstract void rollback(Connection c) throws SQLException;

  /** Starts a read transaction that sees one snapshot. */
  protected abstract void beginRead(Connection c) throws SQLException;

  /** Ends a read transaction. */
  protected abstract void endRead(Connection c) throws SQLException;

  /** Maps a database failure: retryable ones to UNAVAILABLE. */
  protected abstract MeshException failure(SQLException e);

  /** Whether {@code e} means the connection is gone and must be opened again. */
  protected boolean connectionLost(SQLException e) {
    return false;
  }

  /** Opens a new writing connection after the old one was lost. */
  protected Connection reopenWriter() throws SQLException {
    throw new SQLException("the " + description + " writer cannot be reopened");
  }

  /** Opens a new reading connection after the old one was lost. */
  protected Connection reopenReader() throws SQLException {
    throw new SQLException("the " + description + " reader cannot be reopened");
  }

  // -- BlobCatalog --------------------------------------------------------------------------------

  @Override
  public <T> T write(Function<Writer, T> work) {
    writeLock.lock();
    try {
      if (writerBroken) {
        closeQuietly(writeConnection);
        writeConnection = reopenWriter();
        writerBroken = false;
      }
      Connection c = writeConnection;
      begin(c);
      T result;
      try {
        result = work.apply(new Rows(c));
        commit(c);
      } catch (RuntimeException | SQLException e) {
        try {
          rollback(c);
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
      return result;
    } catch (SQLException e) {
      throw mapped(e, true);
    } catch (Sql e) {
      throw mapped(e.getCause(), true);
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public <T> T read(Function<Reader, T> work) {
    readLock.lock();
    try {
      if (readerBroken) {
        closeQuietly(readConnection);
        readConnection = reopenReader();
        readerBroken = false;
      }
      Connection c = readConnection;
      beginRead(c);
      try {
        return work.apply(new Rows(c));
      } finally {
        endRead(c);
      }
    } catch (SQLException e) {
      throw mapped(e, false);
    } catch (Sql e) {
      throw mapped(e.getCause(), false);
    } finally {
      readLock.unlock();
    }
  }

  private MeshException mapped(SQLException e, boolean writer) {
    if (connectionLost(e)) {
      if (writer) {
        writerBroken = true;
      } else {
        readerBroken = true;
      }
    }
    return failure(e);
  }

  @Override
  public void close() {
    writeLock.lock();
    readLock.lock();
    try {
      closeQuietly(readConnection);
      closeQuietly(writeConnection);
    } finally {
      readLock.unlock();
      writeLock.unlock();
    }
  }

  /** Closes {@code c}, ignoring failures; for cleanup after another failure. */
  protected static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // The failure that led here is the one reported.
      }
    }
  }

  /** A SQLException carried through the domain's lambdas, which cannot throw checked ones. */
  private static final class Sql extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Sql(SQLException cause) {
      super(cause);
    }

    @Override
    public synchronized SQLException getCause() {
      return (SQLException) super.getCause();
    }
  }

  @FunctionalInterface
  private interface Query<T> {
    T run() throws SQLException;
  }

  private static <T> T sql(Query<T> query) {
    try {
      return query.run();
    } catch (SQLException e) {
      throw new Sql(e);
    }
  }

  /** The rows, on one connection inside its current transaction. */
  private static final class Rows implements Writer {
    private final Connection c;

    Rows(Connection c) {
      this.c = c;
    }

    private PreparedStatement prepare(String query, Object... args) throws SQLException {
      PreparedStatement p = c.prepareStatement(query);
      for (int i = 0; i < args.length; i++) {
        Object a = args[i];
        if (a == null) {
          p.setNull(i + 1, Types.BIGINT);
        } else if (a instanceof byte[] bytes) {
          p.setBytes(i + 1, bytes);
        } else if (a instanceof Long l) {
          p.setLong(i + 1, l);
        } else if (a instanceof Integer n) {
          p.setInt(i + 1, n);
        } else {
          p.setString(i + 1, a.toString());
        }
      }
      return p;
    }

    private int update(String query, Object... args) {
      return sql(
          () -> {
            try (PreparedStatement p = prepare(query, args)) {
              return p.executeUpdate();
            }
          });
    }

    private long number(String query, Object... args) {
      return sql(
          () -> {
            try (PreparedStatement p = prepare(query, args);
                ResultSet rs = p.executeQuery()) {
              return rs.next() ? rs.getLong(1) : 0;
            }
          });
    }

    private List<String> strings(String query, Object... args) {
      return sql(
          () -> {
            try (PreparedStatement p = prepare(query, args);
                ResultSet rs = p.executeQuery()) {
              List<String> out = new ArrayList<>();
              while (rs.next()) {
                out.add(rs.getString(1));
              }
              return out;
            }
          });
    }

    private Optional<UploadSession> oneUpload(String where, Object... args) {
      return sql(
          () -> {
            try (PreparedStatement p =
                    prepare("SELECT " + UPLOAD_COLUMNS + " FROM uploads WHERE " + where, args);
                ResultSet rs = p.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new UploadSession(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getString(3),
                      rs.getString(4),
                      rs.getString(5),
                      rs.getLong(6),
                      rs.getString(7),
                      rs.getLong(8),
                      // An empty state (the store replays its staged bytes) may read as null.
                      Objects.requireNonNullElse(rs.getBytes(9), new byte[0]),
                      rs.getString(10),
                      UploadState.valueOf(rs.getString(11)),
                      rs.getString(12),
                      rs.getLong(13),
                      rs.getLong(14)));
            }
          });
    }

    // -- Reader --

    @Override
    public Optional<BlobRecord> blob(String cid) {
      return sql(
          () -> {
            try (PreparedStatement p =
                    prepare(
                        "SELECT cid, size, created_at, unused_since FROM blobs WHERE cid = ?",
                        cid);
                ResultSet rs = p.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              long unused = rs.getLong(4);
              OptionalLong since = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(unused);
              return Optional.of(
                  new BlobRecord(rs.getString(1), rs.getLong(2), rs.getLong(3), since));
            }
          });
    }

    @Override
    public boolean holds(String cid, String did) {
      return number("SELECT COUNT(*) FROM blob_holders WHERE cid = ? AND did = ?", cid, did) > 0;
    }

    @Override
    public List<String> jobsUsing(String cid, String afterJobId, int limit) {
      return strings(
          "SELECT job_id FROM blob_uses WHERE cid = ? AND job_id > ? ORDER BY job_id LIMIT ?",
          cid,
          afterJobId,
          limit);
    }

    @Override
    public int jobCount(String cid) {
      return (int) number("SELECT COUNT(*) FROM blob_uses WHERE cid = ?", cid);
    }

    @Override
    public Optional<UploadSession> upload(String uploadId) {
      return oneUpload("upload_id = ?", uploadId);
    }

    @Override
    public Optional<UploadSession> uploadByRequest(String uploaderDid, String requestId) {
      return oneUpload("uploader_did = ? AND request_id = ?", uploaderDid, requestId);
    }

    @Override
    public long bytesCharged(String ownerDid) {
      long held =
          number(
              "SELECT COALESCE(SUM(b.size), 0) FROM blob_holders h JOIN blobs b ON b.cid = h.cid"
                  + " WHERE h.did = ?",
              ownerDid);
      long open =
          number(
              "SELECT COALESCE(SUM(size), 0) FROM uploads WHERE owner_did = ? AND state = ?",
              ownerDid,
              UploadState.OPEN.name());
      return held + open;
    }

    @Override
    public int openUploads(String uploaderDid) {
      return (int)
          number(
              "SELECT COUNT(*) FROM uploads WHERE uploader_did = ? AND state = ?",
              uploaderDid,
              UploadState.OPEN.name());
    }

    @Override
    public List<String> unusedSince(long cutoffMillis, int limit) {
      return strings(
          "SELECT cid FROM blobs WHERE unused_since IS NOT NULL AND unused_since <= ?"
              + " ORDER BY unused_since, cid LIMIT ?",
          cutoffMillis,
          limit);
    }

    @Override
    public List<String> idleUploads(long cutoffMillis, int limit) {
      return strings(
          "SELECT upload_id FROM uploads WHERE state = ? AND touched_at <= ?"
              + " ORDER BY touched_at, upload_id LIMIT ?",
          UploadState.OPEN.name(),
          cutoffMillis,
          limit);
    }

    @Override
    public Optional<Long> jobReleasedAt(String jobId) {
      return sql(
          () -> {
            try (PreparedStatement p =
                    prepare("SELECT released_at FROM released_jobs WHERE job_id = ?", jobId);
                ResultSet rs = p.executeQuery()) {
              return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
          });
    }

    // -- Writer --

    @Override
    public void insertUpload(UploadSession u) {
      update(
          "INSERT INTO uploads ("
              + UPLOAD_COLUMNS
              + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          u.uploadId(),
          u.requestId(),
          u.uploaderDid(),
          u.ownerDid(),
          u.jobId(),
          u.size(),
          u.expectedCid(),
          u.acknowledgedOffset(),
          u.hashState(),
          u.storeToken(),
          u.state().name(),
          u.cid(),
          u.createdAt(),
          u.touchedAt());
    }

    @Override
    public void updateUpload(UploadSession u) {
      int n =
          update(
              "UPDATE uploads SET acknowledged = ?, hash_state = ?, store_token = ?, state = ?,"
                  + " cid = ?, touched_at = ? WHERE upload_id = ?",
              u.acknowledgedOffset(),
              u.hashState(),
              u.storeToken(),
              u.state().name(),
              u.cid(),
              u.touchedAt(),
              u.uploadId());
      if (n != 1) {
        throw new IllegalStateException("no upload " + u.uploadId() + " to update");
      }
    }

    @Override
    public int deleteClosedUploads(long cutoffMillis) {
      return update(
          "DELETE FROM uploads WHERE state <> ? AND touched_at <= ?",
          UploadState.OPEN.name(),
          cutoffMillis);
    }

    @Override
    public void insertBlob(BlobRecord b) {
      update(
          "INSERT INTO blobs (cid, size, created_at, unused_since) VALUES (?, ?, ?, ?)",
          b.cid(),
          b.size(),
          b.createdAt(),
          b.unreferencedSince().isPresent() ? b.unreferencedSince().getAsLong() : null);
    }

    @Override
    public void setUnusedSince(String cid, Optional<Long> sinceMillis) {
      update("UPDATE blobs SET unused_since = ? WHERE cid = ?", sinceMillis.orElse(null), cid);
    }

    @Override
    public void deleteBlob(String cid) {
      update("DELETE FROM blob_uses WHERE cid = ?", cid);
      update("DELETE FROM blob_holders WHERE cid = ?", cid);
      update("DELETE FROM blobs WHERE cid = ?", cid);
    }

    @Override
    public void addHolder(String cid, String did, long atMillis) {
      update(
          "INSERT INTO blob_holders (cid, did, since) VALUES (?, ?, ?)"
              + " ON CONFLICT (cid, did) DO NOTHING",
          cid,
          did,
          atMillis);
    }

    @Override
    public boolean addUse(String cid, String jobId, long atMillis) {
      return update(
              "INSERT INTO blob_uses (cid, job_id, since) VALUES (?, ?, ?)"
                  + " ON CONFLICT (cid, job_id) DO NOTHING",
              cid,
              jobId,
              atMillis)
          == 1;
    }

    @Override
    public List<String> removeUses(String jobId) {
      List<String> cids = strings("SELECT cid FROM blob_uses WHERE job_id = ? ORDER BY cid", jobId);
      update("DELETE FROM blob_uses WHERE job_id = ?", jobId);
      return cids;
    }

    @Override
    public void markJobReleased(String jobId, long atMillis) {
      update(
          "INSERT INTO released_jobs (job_id, released_at) VALUES (?, ?)"
              + " ON CONFLICT (job_id) DO NOTHING",
          jobId,
          atMillis);
    }

    @Override
    public int deleteReleasedJobs(long cutoffMillis) {
      return update("DELETE FROM released_jobs WHERE released_at <= ?", cutoffMillis);
    }
  }
}

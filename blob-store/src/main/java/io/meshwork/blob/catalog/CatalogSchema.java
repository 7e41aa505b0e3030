package io.meshwork.blob.catalog;

import io.meshwork.runtime.sql.SchemaMigrations;
import java.util.List;

/** The catalog's schema, as the numbered migrations {@link SchemaMigrations} applies once each. */
final class CatalogSchema {
  private CatalogSchema() {}

  /** The catalog's schema; {@code bytesType} is the one column type the databases spell apart. */
  static List<SchemaMigrations.Migration> migrations(String bytesType) {
    return List.of(
        new SchemaMigrations.Migration(
            1,
            "blobs, their holders and uses, uploads, released jobs",
            List.of(
                "CREATE TABLE blobs ("
                    + " cid TEXT PRIMARY KEY,"
                    + " size BIGINT NOT NULL CHECK (size >= 0),"
                    + " created_at BIGINT NOT NULL,"
                    + " unused_since BIGINT)",
                // The sweep looks for blobs unused since before a cutoff.
                "CREATE INDEX blobs_by_unused_since ON blobs (unused_since)",
                "CREATE TABLE blob_holders ("
                    + " cid TEXT NOT NULL REFERENCES blobs (cid),"
                    + " did TEXT NOT NULL,"
                    + " since BIGINT NOT NULL,"
                    + " PRIMARY KEY (cid, did))",
                // A quota check adds up the blobs one DID holds.
                "CREATE INDEX blob_holders_by_did ON blob_holders (did)",
                "CREATE TABLE blob_uses ("
                    + " cid TEXT NOT NULL REFERENCES blobs (cid),"
                    + " job_id TEXT NOT NULL,"
                    + " since BIGINT NOT NULL,"
                    + " PRIMARY KEY (cid, job_id))",
                "CREATE INDEX blob_uses_by_job ON blob_uses (job_id)",
                "CREATE TABLE uploads ("
                    + " upload_id TEXT PRIMARY KEY,"
                    + " request_id TEXT NOT NULL,"
                    + " uploader_did TEXT NOT NULL,"
                    + " owner_did TEXT NOT NULL,"
                    + " job_id TEXT NOT NULL,"
                    + " size BIGINT NOT NULL,"
                    + " expected_cid TEXT NOT NULL,"
                    + " acknowledged BIGINT NOT NULL,"
                    + " hash_state "
                    + bytesType
                    + " NOT NULL,"
                    + " store_token TEXT NOT NULL,"
                    + " state TEXT NOT NULL,"
                    + " cid TEXT NOT NULL,"
                    + " created_at BIGINT NOT NULL,"
                    + " touched_at BIGINT NOT NULL,"
                    + " UNIQUE (uploader_did, request_id))",
                "CREATE INDEX uploads_by_owner ON uploads (owner_did, state)",
                "CREATE INDEX uploads_by_uploader ON uploads (uploader_did, state)",
                "CREATE INDEX uploads_by_state ON uploads (state, touched_at)",
                "CREATE TABLE released_jobs ("
                    + " job_id TEXT PRIMARY KEY,"
                    + " released_at BIGINT NOT NULL)")));
  }
}

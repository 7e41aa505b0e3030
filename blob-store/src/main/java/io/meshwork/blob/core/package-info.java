/**
 * The blob store's rules: uploads, quotas, who may read what, references by jobs and retention
 * ({@link io.meshwork.blob.core.BlobRepository}), over three ports: the bytes ({@link
 * io.meshwork.blob.core.BlobStore}), the bookkeeping ({@link io.meshwork.blob.core.BlobCatalog})
 * and the jobs ({@link io.meshwork.blob.core.JobAccess}). No gRPC, protobuf, JDBC or S3 here.
 */
package io.meshwork.blob.core;

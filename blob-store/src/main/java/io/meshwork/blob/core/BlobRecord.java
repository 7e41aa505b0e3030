package io.meshwork.blob.core;

import java.util.OptionalLong;

/**
 * A stored blob as the catalog records it.
 *
 * @param cid its CID
 * @param size its length in bytes
 * @param createdAt when it was first stored, epoch milliseconds
 * @param unreferencedSince since when no job has used it, epoch milliseconds; empty while one does.
 *     Its retention period counts from here.
 */
public record BlobRecord(String cid, long size, long createdAt, OptionalLong unreferencedSince) {}

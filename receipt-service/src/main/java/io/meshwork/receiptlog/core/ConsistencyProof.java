package io.meshwork.receiptlog.core;

import java.util.List;

/**
 * Proof that the tree of {@code fromSize} leaves is a prefix of the tree of {@code toSize}.
 *
 * @param fromSize the older size
 * @param toSize the newer size
 * @param path RFC 9162 consistency path
 */
public record ConsistencyProof(long fromSize, long toSize, List<byte[]> path) {}

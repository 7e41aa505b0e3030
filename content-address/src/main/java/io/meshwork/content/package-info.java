/** Content addresses (multihash, CIDv1) and RFC 9162 Merkle tree hashing and proofs. */
package io.meshwork.content;

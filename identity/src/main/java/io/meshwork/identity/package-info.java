/**
 * Ed25519 key pairs, {@code did:key} identities and the bearer tokens that callers authenticate
 * with.
 */
package io.meshwork.identity;

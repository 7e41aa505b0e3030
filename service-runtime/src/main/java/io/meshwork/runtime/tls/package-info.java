/**
 * Transport security: the mesh's certificate authority, certificate requests bound to a did:key,
 * the TLS contexts of a service, and the DID a verified certificate names.
 */
package io.meshwork.runtime.tls;

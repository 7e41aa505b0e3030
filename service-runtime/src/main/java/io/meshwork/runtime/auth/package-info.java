/** Bearer-token authentication of calls (AUTH.md) and the caller's roles in the mesh. */
package io.meshwork.runtime.auth;

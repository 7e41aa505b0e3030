/**
 * What every Meshwork service shares: configuration, the gRPC server, the admin port, auth and
 * errors.
 */
package io.meshwork.runtime;

/** Domain failures and the single place that turns them into gRPC statuses. */
package io.meshwork.runtime.errors;

/**
 * The {@code meshwork} command line: the SDK's operations as picocli subcommands, with human and
 * JSON output.
 */
package io.meshwork.client.cli;

/** The launcher: the development mesh, the demo, and the command line with every subcommand. */
package io.meshwork.dist;

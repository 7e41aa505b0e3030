/** Service settings: a YAML file, environment overrides and command-line overrides. */
package io.meshwork.runtime.config;

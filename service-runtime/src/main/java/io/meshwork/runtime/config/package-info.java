/**
 * Service settings: their sources (a YAML file, environment variables, command-line overrides), the
 * keys each service declares, and the schema check that stops a service on any other key.
 */
package io.meshwork.runtime.config;

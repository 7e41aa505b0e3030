package io.meshwork.runtime.config;

/**
 * A service's settings are wrong: a key it does not declare, a value of the wrong type or out of
 * range, a required key left unset, or a configuration file that cannot be read. The message is one
 * line that names the key and says what is allowed; {@code ServiceHost.main} prints it and exits
 * with status 2 instead of starting.
 */
public final class SettingsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** A settings problem described by {@code message}, one line. */
  public SettingsException(String message) {
    super(message);
  }

  /** A settings problem described by {@code message}, caused by {@code cause}. */
  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}

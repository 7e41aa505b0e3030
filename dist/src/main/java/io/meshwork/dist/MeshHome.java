package io.meshwork.dist;

import java.nio.file.Path;

/** The user's Meshwork folder: {@code $MESHWORK_HOME}, else {@code ~/.meshwork}. */
final class MeshHome {
  private MeshHome() {}

  static Path dir() {
    String home = System.getenv("MESHWORK_HOME");
    return home != null && !home.isBlank()
        ? Path.of(home)
        : Path.of(System.getProperty("user.home"), ".meshwork");
  }
}

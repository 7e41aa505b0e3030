package io.meshwork.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * An Ed25519 key pair: who a caller, executor or service is in the mesh, and what it signs with.
 *
 * <p>The key pair is derived from a 32-byte seed (the RFC 8032 private key). Instances are
 * immutable and safe to share between threads. On disk an identity is a small text file:
 *
 * <pre>
 * # Meshwork identity. The seed is the private key: keep this file secret.
 * did: did:key:z6Mk...
 * seed: &lt;the 32-byte seed in base64url without padding&gt;
 * </pre>
 */
public final class Identity {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SEED_LENGTH = 32;

  private final byte[] seed;
  private final byte[] publicKey;
  private final String did;

  private Identity(byte[] seed) {
    this.seed = seed;
    this.publicKey = new byte[Ed25519.PUBLIC_KEY_LENGTH];
    org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed, 0, publicKey, 0);
    this.did = DidKey.fromPublicKey(publicKey);
  }

  /** Creates a new identity from a fresh random seed. */
  public static Identity generate() {
    byte[] seed = new byte[SEED_LENGTH];
    RANDOM.nextBytes(seed);
    return new Identity(seed);
  }

  /** Recreates the identity whose private key is the given 32-byte seed. */
  public static Identity fromSeed(byte[] seed32) {
    if (seed32 == null || seed32.length != SEED_LENGTH) {
      throw new IllegalArgumentException(
          "an Ed25519 seed has 32 bytes, got " + (seed32 == null ? "null" : seed32.length));
    }
    return new Identity(seed32.clone());
  }

  /**
   * Loads the identity stored in {@code file}, or creates one and stores it there if the file does
   * not exist yet (creating missing parent directories).
   *
   * <p>When several processes race to create the same file, all of them end up with the one
   * identity that reached the disk first.
   */
  public static Identity loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      return load(file);
    }
    Identity created = generate();
    Path dir = parentOf(file);
    Files.createDirectories(dir);
    Path temp = created.writeTemp(dir, file);
    try {
      // A hard link publishes the complete file and fails if another process got there first.
      Files.createLink(file, temp);
      return created;
    } catch (FileAlreadyExistsException e) {
      return load(file);
    } catch (UnsupportedOperationException | IOException e) {
      if (Files.exists(file)) {
        return load(file);
      }
      moveIntoPlace(temp, file);
      return created;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Reads an identity file written by {@link #save(Path)}.
   *
   * @throws IOException if the file cannot be read or is not a valid identity file
   */
  public static Identity load(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    String seedText = null;
    String didText = null;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new IOException("identity file " + file + ": line without 'name:' prefix");
      }
      String name = line.substring(0, colon).strip();
      String value = line.substring(colon + 1).strip();
      switch (name) {
        case "seed" -> seedText = value;
        case "did" -> didText = value;
        default ->
            throw new IOException("identity file " + file + ": unknown field '" + name + "'");
      }
    }
    if (seedText == null) {
      throw new IOException("identity file " + file + ": no 'seed:' line");
    }
    byte[] seed;
    try {
      seed = Base64.getUrlDecoder().decode(seedText);
    } catch (IllegalArgumentException e) {
      throw new IOException("identity file " + file + ": the seed is not base64url", e);
    }
    if (seed.length != SEED_LENGTH) {
      throw new IOException(
          "identity file " + file + ": the seed has " + seed.length + " bytes, not 32");
    }
    Identity identity = new Identity(seed);
    // The did line is there for people; if it disagrees, the file was edited by hand or damaged.
    if (didText != null && !didText.equals(identity.did)) {
      throw new IOException(
          "identity file "
              + file
              + ": the did line does not match the seed ("
              + identity.did
              + ")");
    }
    return identity;
  }

  /**
   * Writes this identity to {@code file} atomically, readable by the owner only where the file
   * system has POSIX permissions, creating missing parent directories.
   */
  public void save(Path file) throws IOException {
    Path dir = parentOf(file);
    Files.createDirectories(dir);
    Path temp = writeTemp(dir, file);
    try {
      moveIntoPlace(temp, file);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Returns this identity's {@code did:key}. */
  public String did() {
    return did;
  }

  /** Returns the 32-byte Ed25519 public key (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** Returns the 32-byte seed, that is the private key (a copy); handle it as a secret. */
  public byte[] seed() {
    return seed.clone();
  }

  /** Signs a message, returning the 64-byte Ed25519 signature; safe to call from many threads. */
  public byte[] sign(byte[] message) {
    byte[] signature = new byte[Ed25519.SIGNATURE_LENGTH];
    // Passing the public key spares a scalar multiplication per signature.
    org.bouncycastle.math.ec.rfc8032.Ed25519.sign(
        seed, 0, publicKey, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  /** Shows the DID only: the seed must never reach logs. */
  @Override
  public String toString() {
    return "Identity[" + did + "]";
  }

  private Path writeTemp(Path dir, Path file) throws IOException {
    String text =
        "# Meshwork identity. The seed is the private key: keep this file secret.\n"
            + "did: "
            + did
            + "\nseed: "
            + Base64.getUrlEncoder().withoutPadding().encodeToString(seed)
            + "\n";
    String prefix = "." + file.getFileName() + ".";
    Path temp;
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      FileAttribute<?> ownerOnly =
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      temp = Files.createTempFile(dir, prefix, ".tmp", ownerOnly);
    } else {
      temp = Files.createTempFile(dir, prefix, ".tmp");
    }
    Files.writeString(temp, text, StandardCharsets.UTF_8);
    return temp;
  }

  private static void moveIntoPlace(Path temp, Path file) throws IOException {
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static Path parentOf(Path file) {
    Path absolute = file.toAbsolutePath();
    return absolute.getParent();
  }
}

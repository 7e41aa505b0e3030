package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Runs the transparency-dev/merkle test vectors (happy paths and tampered proofs). */
class MerkleVectorsTest {

  @TestFactory
  Stream<DynamicTest> inclusionVectors() throws Exception {
    return vectorFiles("inclusion").stream()
        .map(
            file ->
                dynamicTest(
                    name(file),
                    () -> {
                      Map<String, Object> v = read(file);
                      ThrowingCheck check =
                          () ->
                              MerkleProofs.verifyInclusion(
                                  (Long) v.get("leafIdx"),
                                  (Long) v.get("treeSize"),
                                  bytes(v.get("leafHash")),
                                  hashes(v.get("proof")),
                                  bytes(v.get("root")));
                      expect(v, check);
                    }));
  }

  @TestFactory
  Stream<DynamicTest> consistencyVectors() throws Exception {
    return vectorFiles("consistency").stream()
        .map(
            file ->
                dynamicTest(
                    name(file),
                    () -> {
                      Map<String, Object> v = read(file);
                      ThrowingCheck check =
                          () ->
                              MerkleProofs.verifyConsistency(
                                  (Long) v.get("size1"),
                                  (Long) v.get("size2"),
                                  bytes(v.get("root1")),
                                  bytes(v.get("root2")),
                                  hashes(v.get("proof")));
                      expect(v, check);
                    }));
  }

  @Test
  void everyVectorFileIsCovered() throws Exception {
    List<Path> inclusion = vectorFiles("inclusion");
    List<Path> consistency = vectorFiles("consistency");
    assertEquals(196, inclusion.size() + consistency.size());
    long happy =
        Stream.concat(inclusion.stream(), consistency.stream())
            .filter(p -> p.getFileName().toString().equals("happy-path.json"))
            .count();
    assertEquals(10, happy);
  }

  private interface ThrowingCheck {
    void run() throws ProofException;
  }

  private static void expect(Map<String, Object> vector, ThrowingCheck check) throws Exception {
    if ((Boolean) vector.get("wantErr")) {
      ProofException e =
          assertThrows(ProofException.class, check::run, (String) vector.get("desc"));
      assertTrue(!e.getMessage().isBlank());
    } else {
      check.run();
    }
  }

  static List<Path> vectorFiles(String kind) throws IOException, URISyntaxException {
    Path root = Path.of(MerkleVectorsTest.class.getResource("/vectors/merkle/" + kind).toURI());
    try (Stream<Path> files = Files.walk(root)) {
      return new ArrayList<>(files.filter(p -> p.toString().endsWith(".json")).sorted().toList());
    }
  }

  private static String name(Path file) {
    return file.getParent().getFileName() + "/" + file.getFileName();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path file) throws IOException {
    return (Map<String, Object>) VectorJson.parse(Files.readString(file));
  }

  private static byte[] bytes(Object base64) {
    return Base64.getDecoder().decode((String) base64);
  }

  private static List<byte[]> hashes(Object list) {
    List<byte[]> out = new ArrayList<>();
    if (list != null) {
      for (Object item : (List<?>) list) {
        out.add(bytes(item));
      }
    }
    return out;
  }
}

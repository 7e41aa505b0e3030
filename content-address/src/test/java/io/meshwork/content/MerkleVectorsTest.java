package io.meshwork.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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
                      JsonObject v = read(file);
                      ThrowingCheck check =
                          () ->
                              MerkleProofs.verifyInclusion(
                                  v.get("leafIdx").getAsLong(),
                                  v.get("treeSize").getAsLong(),
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
                      JsonObject v = read(file);
                      ThrowingCheck check =
                          () ->
                              MerkleProofs.verifyConsistency(
                                  v.get("size1").getAsLong(),
                                  v.get("size2").getAsLong(),
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

  private static void expect(JsonObject vector, ThrowingCheck check) throws Exception {
    if (vector.get("wantErr").getAsBoolean()) {
      ProofException e =
          assertThrows(ProofException.class, check::run, vector.get("desc").getAsString());
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

  private static JsonObject read(Path file) throws IOException {
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  private static byte[] bytes(JsonElement base64) {
    return Base64.getDecoder().decode(base64.getAsString());
  }

  private static List<byte[]> hashes(JsonElement list) {
    List<byte[]> out = new ArrayList<>();
    if (list != null && !list.isJsonNull()) {
      for (JsonElement item : list.getAsJsonArray()) {
        out.add(bytes(item));
      }
    }
    return out;
  }
}

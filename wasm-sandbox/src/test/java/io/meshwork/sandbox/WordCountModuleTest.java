package io.meshwork.sandbox;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshwork.wasm.abi.FrameList;
import io.meshwork.wasm.abi.HostSplitter;
import io.meshwork.wasm.abi.SplitStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the word-count example module and checks it against a count done in Java. */
class WordCountModuleTest {

  private static final WasmEngine ENGINE = WasmEngine.chicory();
  private static CompiledModule wordCount;

  @BeforeAll
  static void compile() throws SandboxException {
    wordCount = ENGINE.compile(TestModules.wordCount());
  }

  /** Counts words the way {@code wc -w} does for ASCII: runs of bytes that are not whitespace. */
  static long javaCount(byte[] text) {
    long words = 0;
    boolean inWord = false;
    for (byte b : text) {
      boolean space = b == ' ' || (b >= 9 && b <= 13);
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return words;
  }

  private static String call(String export, byte[] input) throws SandboxException {
    return new String(
        ENGINE.call(wordCount, export, input, SandboxLimits.defaults()).output(), US_ASCII);
  }

  private static byte[] randomText(Random random, int length) {
    byte[] alphabet = "abcXYZ019.,;-'\" \t\n\r\u000b\f  \n".getBytes(US_ASCII);
    byte[] text = new byte[length];
    for (int i = 0; i < length; i++) {
      text[i] = alphabet[random.nextInt(alphabet.length)];
    }
    return text;
  }

  @Test
  void countsWordsLikeWc() throws Exception {
    assertEquals("0", call("execute", new byte[0]));
    assertEquals("0", call("execute", " \t\n ".getBytes(US_ASCII)));
    assertEquals("1", call("execute", "word".getBytes(US_ASCII)));
    assertEquals("4", call("execute", "  the quick\tbrown\r\nfox\n".getBytes(US_ASCII)));
    assertEquals("3", call("execute", "a\u000bb\fc".getBytes(US_ASCII)));
  }

  @Test
  void agreesWithJavaOnRandomText() throws Exception {
    Random random = new Random(2024);
    for (int round = 0; round < 30; round++) {
      byte[] text = randomText(random, random.nextInt(5_000));
      assertEquals(Long.toString(javaCount(text)), call("execute", text));
    }
  }

  @Test
  void growsMemoryForLargeInput() throws Exception {
    byte[] text = randomText(new Random(5), 3_000_000);
    assertEquals(Long.toString(javaCount(text)), call("execute", text));
  }

  @Test
  void mergeOfOneFrameIsThatCount() throws Exception {
    assertEquals("42", call("merge", FrameList.encode(List.of("42".getBytes(US_ASCII)))));
  }

  @Test
  void mergeSumsFramesAndIsAssociative() throws Exception {
    List<byte[]> a = List.of("1".getBytes(US_ASCII), "20".getBytes(US_ASCII));
    List<byte[]> b = List.of("300".getBytes(US_ASCII), "0".getBytes(US_ASCII), new byte[0]);
    List<byte[]> all = new ArrayList<>(a);
    all.addAll(b);
    String direct = call("merge", FrameList.encode(all));
    String tree =
        call(
            "merge",
            FrameList.encode(
                List.of(
                    call("merge", FrameList.encode(a)).getBytes(US_ASCII),
                    call("merge", FrameList.encode(b)).getBytes(US_ASCII))));
    assertEquals("321", direct);
    assertEquals(direct, tree);
    assertEquals("0", call("merge", new byte[0]));
  }

  @Test
  void mergeTrapsOnSomethingThatIsNotACount() {
    SandboxException notDigits =
        assertThrows(
            SandboxException.class,
            () -> call("merge", FrameList.encode(List.of("12a".getBytes(US_ASCII)))));
    assertEquals(FailureKind.TRAP, notDigits.kind());
    assertEquals("merge", notDigits.exportName());
    SandboxException truncated =
        assertThrows(SandboxException.class, () -> call("merge", new byte[] {9, 0, 0, 0, '1'}));
    assertEquals(FailureKind.TRAP, truncated.kind());
  }

  @Test
  void linesSplitThenMergeGivesTheWholeCount() throws Exception {
    Random random = new Random(99);
    for (int round = 0; round < 10; round++) {
      byte[] text = randomText(random, 20_000 + random.nextInt(20_000));
      List<byte[]> chunks = HostSplitter.split(SplitStrategy.LINES, text, 500, 4_000);
      List<byte[]> counts = new ArrayList<>();
      for (byte[] chunk : chunks) {
        counts.add(call("execute", chunk).getBytes(US_ASCII));
      }
      assertEquals(Long.toString(javaCount(text)), call("merge", FrameList.encode(counts)));
    }
  }
}

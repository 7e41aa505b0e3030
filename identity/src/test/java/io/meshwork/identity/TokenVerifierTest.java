package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Identity caller = Identity.generate();
  private final SettableClock clock = new SettableClock(T0);
  private final TokenVerifier verifier = new TokenVerifier("meshwork", clock);

  @Test
  void happyPathReturnsTheCallersDid() throws Exception {
    String token = BearerTokens.mint(caller, "meshwork", T0, Duration.ofSeconds(60));
    assertEquals(caller.did(), verifier.verify(token));

    String[] parts = token.split("\\.");
    assertEquals(3, parts.length);
    Map<String, Object> header = TokenJson.parseObject(decode(parts[0]));
    assertEquals(Map.of("alg", "EdDSA", "typ", "JWT", "kid", caller.did()), header);
    Map<String, Object> claims = TokenJson.parseObject(decode(parts[1]));
    assertEquals(caller.did(), claims.get("iss"));
    assertEquals(caller.did(), claims.get("sub"));
    assertEquals("meshwork", claims.get("aud"));
    assertEquals(T0.getEpochSecond(), claims.get("iat"));
    assertEquals(T0.getEpochSecond() + 60, claims.get("exp"));
    assertTrue(claims.get("jti") instanceof String jti && !jti.isEmpty());
  }

  @Test
  void everyTokenHasItsOwnJti() throws Exception {
    String a = BearerTokens.mint(caller, "meshwork", T0, Duration.ofSeconds(60));
    String b = BearerTokens.mint(caller, "meshwork", T0, Duration.ofSeconds(60));
    assertNotEquals(a, b);
    assertEquals(caller.did(), verifier.verify(a));
    assertEquals(caller.did(), verifier.verify(b));
  }

  @Test
  void mintRefusesLongOrEmptyLifetimes() {
    assertThrows(
        IllegalArgumentException.class,
        () -> BearerTokens.mint(caller, "meshwork", T0, Duration.ofSeconds(301)));
    assertThrows(
        IllegalArgumentException.class,
        () -> BearerTokens.mint(caller, "meshwork", T0, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> BearerTokens.mint(caller, "", T0, Duration.ofSeconds(10)));
  }

  @Test
  void replayIsRefused() throws Exception {
    String token = BearerTokens.mint(caller, "meshwork", T0, Duration.ofSeconds(60));
    verifier.verify(token);
    assertCheck("replayed", token);
    clock.set(T0.plusSeconds(59));
    assertCheck("replayed", token);
  }

  @Test
  void clockSkewWindow() throws Exception {
    // The caller's clock runs ahead of the server's by up to 30 s.
    clock.set(T0.minusSeconds(30));
    assertEquals(caller.did(), verifier.verify(mint(T0, 60)));
    clock.set(T0.minusSeconds(31));
    assertCheck("not-yet-valid", mint(T0, 60));

    clock.set(T0.plusSeconds(60));
    assertEquals(caller.did(), verifier.verify(mint(T0, 60)));
    clock.set(T0.plusSeconds(60).plusMillis(1));
    assertCheck("expired", mint(T0, 60));
  }

  @Test
  void signatureIsChecked() throws Exception {
    String token = mint(T0, 60);
    int dot = token.lastIndexOf('.');
    byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    signature[10] ^= 0x04;
    assertCheck("signature", token.substring(0, dot + 1) + B64.encodeToString(signature));

    // A token signed by someone else but naming the caller in kid.
    Identity mallory = Identity.generate();
    String forged =
        craft(mallory, header(caller.did()), claims(caller.did(), "\"meshwork\"", T0, 60, "j1"));
    assertCheck("signature", forged);

    // Claims swapped after signing.
    String other = mint(T0, 61);
    String[] a = token.split("\\.");
    String[] b = other.split("\\.");
    assertCheck("signature", a[0] + "." + b[1] + "." + a[2]);
  }

  @Test
  void audienceIsChecked() throws Exception {
    assertCheck("audience", BearerTokens.mint(caller, "elsewhere", T0, Duration.ofSeconds(60)));
    String did = caller.did();
    String array = craft(caller, header(did), claims(did, "[\"x\",\"meshwork\"]", T0, 60, "j2"));
    assertEquals(did, verifier.verify(array));
    String wrongArray = craft(caller, header(did), claims(did, "[\"x\"]", T0, 60, "j3"));
    assertCheck("audience", wrongArray);
    String number = craft(caller, header(did), claims(did, "7", T0, 60, "j4"));
    assertCheck("audience", number);
  }

  @Test
  void lifetimeIsChecked() throws Exception {
    String did = caller.did();
    assertCheck("lifetime", craft(caller, header(did), claims(did, "\"meshwork\"", T0, 301, "j")));
    assertCheck("lifetime", craft(caller, header(did), claims(did, "\"meshwork\"", T0, 0, "j")));
    assertCheck("lifetime", craft(caller, header(did), claims(did, "\"meshwork\"", T0, -5, "j")));
    assertEquals(
        did,
        verifier.verify(craft(caller, header(did), claims(did, "\"meshwork\"", T0, 300, "j"))));
  }

  @Test
  void issuerAndSubjectMustBeTheKid() throws Exception {
    String did = caller.did();
    String otherDid = Identity.generate().did();
    String iss =
        "{\"iss\":\""
            + otherDid
            + "\",\"sub\":\""
            + did
            + "\",\"aud\":\"meshwork\",\"iat\":"
            + T0.getEpochSecond()
            + ",\"exp\":"
            + (T0.getEpochSecond() + 60)
            + ",\"jti\":\"a\"}";
    assertCheck("issuer", craft(caller, header(did), iss));
    String sub =
        iss.replace("\"iss\":\"" + otherDid, "\"iss\":\"" + did)
            .replace("\"sub\":\"" + did, "\"sub\":\"" + otherDid);
    assertCheck("issuer", craft(caller, header(did), sub));
  }

  @Test
  void headerIsChecked() throws Exception {
    String did = caller.did();
    String claims = claims(did, "\"meshwork\"", T0, 60, "h");
    assertCheck(
        "algorithm",
        craft(caller, "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"" + did + "\"}", claims));
    assertCheck("algorithm", craft(caller, "{\"typ\":\"JWT\",\"kid\":\"" + did + "\"}", claims));
    assertCheck(
        "key-id", craft(caller, "{\"alg\":\"EdDSA\",\"kid\":\"did:web:example.com\"}", claims));
    assertCheck("key-id", craft(caller, "{\"alg\":\"EdDSA\"}", claims));
    assertCheck(
        "malformed",
        craft(caller, "{\"alg\":\"EdDSA\",\"typ\":\"JOSE+X\",\"kid\":\"" + did + "\"}", claims));
    assertCheck(
        "malformed",
        craft(caller, "{\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"kid\":\"" + did + "\"}", claims));
    // Without typ is still a valid JWS.
    assertEquals(
        did, verifier.verify(craft(caller, "{\"alg\":\"EdDSA\",\"kid\":\"" + did + "\"}", claims)));
  }

  @Test
  void malformedTokens() throws Exception {
    String did = caller.did();
    String good = mint(T0, 60);
    for (String bad :
        List.of(
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            ".b.c",
            good + ".",
            good.replaceFirst("\\.", ".."),
            "!!!." + good.substring(good.indexOf('.') + 1),
            good + "A",
            "x".repeat(9000))) {
      assertCheck("malformed", bad);
    }
    assertCheck("malformed", (String) null);
    // Duplicate members, missing jti, fractional times, trailing data are all refused.
    String header = header(did);
    long iat = T0.getEpochSecond();
    String base = "\"iss\":\"" + did + "\",\"sub\":\"" + did + "\",\"aud\":\"meshwork\"";
    assertCheck(
        "malformed",
        craft(caller, header, "{" + base + ",\"iat\":" + iat + ",\"exp\":" + (iat + 60) + "}"));
    assertCheck(
        "malformed",
        craft(
            caller,
            header,
            "{" + base + ",\"iat\":" + iat + ",\"exp\":" + (iat + 60) + ",\"jti\":\"\"}"));
    assertCheck(
        "malformed",
        craft(
            caller,
            header,
            "{" + base + ",\"iat\":" + iat + ".5,\"exp\":" + (iat + 60) + ",\"jti\":\"x\"}"));
    assertCheck(
        "malformed",
        craft(caller, header, "{" + base + ",\"exp\":" + (iat + 60) + ",\"jti\":\"x\"}"));
    assertCheck(
        "malformed",
        craft(
            caller,
            header,
            "{"
                + base
                + ",\"aud\":\"meshwork\",\"iat\":"
                + iat
                + ",\"exp\":"
                + (iat + 60)
                + ",\"jti\":\"x\"}"));
    assertCheck(
        "malformed",
        craft(
            caller,
            header,
            "{" + base + ",\"iat\":" + iat + ",\"exp\":" + (iat + 60) + ",\"jti\":\"x\"} x"));
    assertCheck("malformed", craft(caller, header, "[1]"));
  }

  @Test
  void messagesAreSentences() {
    String token = BearerTokens.mint(caller, "elsewhere", T0, Duration.ofSeconds(60));
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> verifier.verify(token));
    assertEquals("audience", e.check());
    assertTrue(e.getMessage().contains("meshwork") && e.getMessage().endsWith("."), e.getMessage());
  }

  @Test
  void replayMemoryIsBoundedAndForgetsExpiredIds() throws Exception {
    TokenVerifier small = new TokenVerifier("meshwork", clock, 16);
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String token = mint(T0, 10);
      try {
        small.verify(token);
      } catch (AuthenticationException e) {
        assertEquals("replay-capacity", e.check());
        refused.add(token);
      }
    }
    assertTrue(refused.size() >= 24, "at most 16 ids are live, refused " + refused.size());
    // Once the remembered tokens expired (plus the grace period) there is room again.
    clock.set(T0.plusSeconds(45));
    assertEquals(caller.did(), small.verify(mint(T0.plusSeconds(45), 10)));
  }

  @Test
  void concurrentCallersNeverAcceptATokenTwice() throws Exception {
    int tokens = 2000;
    List<String> minted = new ArrayList<>();
    for (int i = 0; i < tokens; i++) {
      minted.add(mint(T0, 300));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> accepted = new ArrayList<>();
      // Every thread presents every token: exactly one presentation of each may pass.
      for (int t = 0; t < 4; t++) {
        accepted.add(
            pool.submit(
                () -> {
                  int count = 0;
                  for (String token : minted) {
                    try {
                      verifier.verify(token);
                      count++;
                    } catch (AuthenticationException e) {
                      if (!e.check().equals("replayed")) {
                        throw e;
                      }
                    }
                  }
                  return count;
                }));
      }
      int total = 0;
      for (Future<Integer> f : accepted) {
        total += f.get();
      }
      assertEquals(tokens, total);
    } finally {
      pool.shutdownNow();
    }
  }

  private String mint(Instant at, int seconds) {
    return BearerTokens.mint(caller, "meshwork", at, Duration.ofSeconds(seconds));
  }

  private void assertCheck(String check, String token) {
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> verifier.verify(token));
    assertEquals(check, e.check(), e.getMessage());
  }

  private static String header(String kid) {
    return "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
  }

  private static String claims(String did, String audJson, Instant iat, long lifetime, String jti) {
    long issued = iat.getEpochSecond();
    return "{\"iss\":\""
        + did
        + "\",\"sub\":\""
        + did
        + "\",\"aud\":"
        + audJson
        + ",\"iat\":"
        + issued
        + ",\"exp\":"
        + (issued + lifetime)
        + ",\"jti\":\""
        + jti
        + "\"}";
  }

  /** Builds a token from raw header and claims JSON, signed by {@code signer}. */
  private static String craft(Identity signer, String header, String claims) {
    String input =
        B64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    return input + "." + B64.encodeToString(signer.sign(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String decode(String part) {
    return new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8);
  }

  /** A clock the test moves by hand. */
  private static final class SettableClock extends Clock {
    private volatile Instant now;

    SettableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}

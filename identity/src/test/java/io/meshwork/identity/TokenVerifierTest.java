package io.meshwork.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private static final String AUD = "meshwork.ledger.v1.LedgerService";
  private static final Instant T0 = Instant.parse("2026-03-01T12:00:00Z");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final Identity caller = Identity.generate();
  private final SettableClock clock = new SettableClock(T0);
  private final TokenVerifier verifier = new TokenVerifier(clock);

  @Test
  void happyPathReturnsTheCallersDid() throws Exception {
    String token = BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(60));
    assertEquals(caller.did(), verifier.verify(token, AUD));

    String[] parts = token.split("\\.");
    assertEquals(3, parts.length);
    Map<String, Object> header = TokenJson.parseObject(decode(parts[0]));
    assertEquals(Map.of("alg", "EdDSA", "typ", "JWT", "kid", caller.did()), header);
    Map<String, Object> claims = TokenJson.parseObject(decode(parts[1]));
    assertEquals(caller.did(), claims.get("iss"));
    assertEquals(caller.did(), claims.get("sub"));
    assertEquals(AUD, claims.get("aud"));
    assertEquals(T0.getEpochSecond(), claims.get("iat"));
    assertEquals(T0.getEpochSecond() + 60, claims.get("exp"));
    assertTrue(claims.get("jti") instanceof String jti && !jti.isEmpty());
  }

  @Test
  void everyTokenHasItsOwnJti() throws Exception {
    String a = BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(60));
    String b = BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(60));
    assertNotEquals(a, b);
    assertEquals(caller.did(), verifier.verify(a, AUD));
    assertEquals(caller.did(), verifier.verify(b, AUD));
  }

  @Test
  void mintRefusesLongOrEmptyLifetimes() {
    assertThrows(
        IllegalArgumentException.class,
        () -> BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(301)));
    assertThrows(
        IllegalArgumentException.class, () -> BearerTokens.mint(caller, AUD, T0, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> BearerTokens.mint(caller, "", T0, Duration.ofSeconds(10)));
  }

  @Test
  void replayIsRefused() throws Exception {
    String token = BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(60));
    verifier.verify(token, AUD);
    assertCheck("replayed", token);
    clock.set(T0.plusSeconds(59));
    assertCheck("replayed", token);
  }

  @Test
  void clockSkewWindow() throws Exception {
    // The caller's clock runs ahead of the server's by up to 30 s.
    clock.set(T0.minusSeconds(30));
    assertEquals(caller.did(), verifier.verify(mint(T0, 60), AUD));
    clock.set(T0.minusSeconds(31));
    assertCheck("not-yet-valid", mint(T0, 60));

    clock.set(T0.plusSeconds(60));
    assertEquals(caller.did(), verifier.verify(mint(T0, 60), AUD));
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
        craft(mallory, header(caller.did()), claims(caller.did(), "\"" + AUD + "\"", T0, 60, "j1"));
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
    // A list would make one token good at several services, so even one naming this one is refused.
    String array = craft(caller, header(did), claims(did, "[\"x\",\"" + AUD + "\"]", T0, 60, "j2"));
    assertCheck("audience", array);
    String number = craft(caller, header(did), claims(did, "7", T0, 60, "j4"));
    assertCheck("audience", number);
  }

  @Test
  void aTokenMintedForOneServiceIsRefusedByEveryOther() throws Exception {
    String forLedger = BearerTokens.mint(caller, AUD, T0, Duration.ofSeconds(60));
    AuthenticationException e =
        assertThrows(
            AuthenticationException.class,
            () -> verifier.verify(forLedger, "meshwork.executor.v1.ExecutorService"));
    assertEquals("audience", e.check());
    assertTrue(
        e.getMessage().contains(AUD)
            && e.getMessage().contains("meshwork.executor.v1.ExecutorService"),
        e.getMessage());
    // The refusal did not spend the token: the service it was minted for still takes it, once.
    assertEquals(caller.did(), verifier.verify(forLedger, AUD));
    assertCheck("replayed", forLedger);
  }

  @Test
  void lifetimeIsChecked() throws Exception {
    String did = caller.did();
    assertCheck(
        "lifetime", craft(caller, header(did), claims(did, "\"" + AUD + "\"", T0, 301, "j")));
    assertCheck("lifetime", craft(caller, header(did), claims(did, "\"" + AUD + "\"", T0, 0, "j")));
    assertCheck(
        "lifetime", craft(caller, header(did), claims(did, "\"" + AUD + "\"", T0, -5, "j")));
    assertEquals(
        did,
        verifier.verify(
            craft(caller, header(did), claims(did, "\"" + AUD + "\"", T0, 300, "j")), AUD));
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
            + "\",\"aud\":\""
            + AUD
            + "\",\"iat\":"
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
    String claims = claims(did, "\"" + AUD + "\"", T0, 60, "h");
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
        did,
        verifier.verify(craft(caller, "{\"alg\":\"EdDSA\",\"kid\":\"" + did + "\"}", claims), AUD));
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
    String base = "\"iss\":\"" + did + "\",\"sub\":\"" + did + "\",\"aud\":\"" + AUD + "\"";
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
                + ",\"aud\":\""
                + AUD
                + "\",\"iat\":"
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
        assertThrows(AuthenticationException.class, () -> verifier.verify(token, AUD));
    assertEquals("audience", e.check());
    assertTrue(e.getMessage().contains(AUD) && e.getMessage().endsWith("."), e.getMessage());
  }

  @Test
  void aRefusalQuotesWhatTheCallerChoseOnOneShortLine() {
    String hostile = "evil\nservice\u0007".repeat(100);
    String token = BearerTokens.mint(caller, hostile, T0, Duration.ofSeconds(60));
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> verifier.verify(token, AUD));
    assertEquals("audience", e.check());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(e.getMessage().length() < 300, e.getMessage());
    assertTrue(e.getMessage().contains("'evil?service?evil?"), e.getMessage());
    assertEquals("abc", TokenVerifier.shown("abc", 3));
    assertEquals("ab...", TokenVerifier.shown("abc", 2));
  }

  @Test
  void replayMemoryIsBoundedAndForgetsExpiredIds() throws Exception {
    TokenVerifier small =
        new TokenVerifier(clock, new ReplayLimits(16, 16), ReplayLimits.PARTIES, did -> false);
    List<String> refused = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String token = mint(T0, 10);
      try {
        small.verify(token, AUD);
      } catch (AuthenticationException e) {
        // With a quota as large as the memory, a full memory may show as either.
        assertTrue(Set.of("replay-capacity", "replay-quota").contains(e.check()), e.check());
        refused.add(token);
      }
    }
    assertTrue(refused.size() >= 24, "at most 16 ids are live, refused " + refused.size());
    // Once the remembered tokens expired (plus the grace period) there is room again.
    clock.set(T0.plusSeconds(45));
    assertEquals(caller.did(), small.verify(mint(T0.plusSeconds(45), 10), AUD));
  }

  @Test
  void oneCallerFloodingFreshTokensDoesNotLockOutAnother() throws Exception {
    TokenVerifier limited =
        new TokenVerifier(clock, new ReplayLimits(1600, 100), ReplayLimits.PARTIES, did -> false);
    Identity mallory = Identity.generate();
    int accepted = 0;
    int overQuota = 0;
    for (int i = 0; i < 1000; i++) {
      try {
        limited.verify(BearerTokens.mint(mallory, AUD, T0, Duration.ofSeconds(300)), AUD);
        accepted++;
      } catch (AuthenticationException e) {
        assertEquals("replay-quota", e.check(), e.getMessage());
        overQuota++;
      }
      // Everyone else keeps working while the flood goes on.
      if (i % 20 == 0) {
        assertEquals(caller.did(), limited.verify(mint(T0, 300), AUD));
      }
    }
    assertEquals(100, accepted);
    assertEquals(900, overQuota);
    // Once the flood's tokens have expired (and the grace passed), its quota is free again.
    clock.set(T0.plusSeconds(331));
    assertEquals(
        mallory.did(),
        limited.verify(
            BearerTokens.mint(mallory, AUD, T0.plusSeconds(331), Duration.ofSeconds(60)), AUD));
  }

  @Test
  void aCrowdOfThrowawayIdentitiesCannotFillTheMemoryOfTheMeshsOwnCalls() throws Exception {
    Identity orchestrator = Identity.generate();
    TokenVerifier pooled =
        new TokenVerifier(
            clock,
            new ReplayLimits(64, 4),
            // Room enough that 32 ids spread over the shards never fill one.
            new ReplayLimits(1600, 1600),
            did -> did.equals(orchestrator.did()));
    int full = 0;
    for (int n = 0; n < 40; n++) {
      Identity throwaway = Identity.generate();
      for (int i = 0; i < 4; i++) {
        try {
          pooled.verify(BearerTokens.mint(throwaway, AUD, T0, Duration.ofSeconds(300)), AUD);
        } catch (AuthenticationException e) {
          assertEquals("replay-capacity", e.check(), e.getMessage());
          full++;
        }
      }
    }
    assertTrue(full >= 160 - 64, "the users' memory holds 64 ids, refused only " + full);
    for (int i = 0; i < 32; i++) {
      String token = BearerTokens.mint(orchestrator, AUD, T0, Duration.ofSeconds(300));
      assertEquals(orchestrator.did(), pooled.verify(token, AUD));
    }
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
                      verifier.verify(token, AUD);
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
    return BearerTokens.mint(caller, AUD, at, Duration.ofSeconds(seconds));
  }

  private void assertCheck(String check, String token) {
    AuthenticationException e =
        assertThrows(AuthenticationException.class, () -> verifier.verify(token, AUD));
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

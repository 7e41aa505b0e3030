package io.meshwork.ledger.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Recorded outcomes read back exactly as they were written, whatever their text holds. */
class OutcomesTest {
  @Test
  void outcomesRoundTripWithAnyText() {
    String awkward = "a memo & more = 100% \"quoted\" + spaced, ünïcødé ✓, a/b?c#d";
    Hold hold =
        new Hold(
            "hold_1",
            "did:key:z6Mk",
            300,
            100,
            HoldState.POSTED,
            awkward,
            awkward,
            1,
            2,
            3,
            awkward);
    Account from = new Account("did:key:a&b=c", 5, -2, 7);
    Account to = new Account(awkward, Long.MAX_VALUE, Long.MIN_VALUE, 0);

    assertEquals(hold, Outcomes.decodeHold(Outcomes.encode(hold)));
    assertEquals(from, Outcomes.decodeAccount(Outcomes.encode(from)));
    VoidedHold voided = new VoidedHold(hold, 42);
    assertEquals(voided, Outcomes.decodeVoided(Outcomes.encode(voided)));
    Transferred transferred = new Transferred(from, to);
    assertEquals(transferred, Outcomes.decodeTransferred(Outcomes.encode(transferred)));
  }

  @Test
  void plainValuesAreStoredAsTheyAre() {
    Account a = new Account("did", 10, 0, 1);

    assertEquals("did=did&balance=10&held=0&created_at=1", Outcomes.encode(a));
  }
}

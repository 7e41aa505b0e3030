package io.meshwork.ledger.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that tests move by hand, so expiry is tested without waiting. */
public final class MutableClock extends Clock {
  private volatile Instant now;

  /** A clock reading {@code start} until moved. */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /** Moves the clock forward by {@code step}. */
  public void advance(Duration step) {
    now = now.plus(step);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}

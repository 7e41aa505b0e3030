package io.meshwork.runtime;

/**
 * The counters and timers a service publishes at {@code /observe/metrics}.
 *
 * <p>A small interface so that domain cores count what they do without depending on the metrics
 * library; the admin port backs it with Helidon metrics.
 */
public interface ServiceMetrics {
  /** A monotonically increasing count. */
  interface Counter {
    /** Adds {@code amount} (>= 0). */
    void increment(long amount);

    /** Adds one. */
    default void increment() {
      increment(1);
    }
  }

  /** A latency distribution. */
  interface Timer {
    /** Records one duration in nanoseconds. */
    void recordNanos(long nanos);
  }

  /** The counter {@code name} with alternating tag names and values. */
  Counter counter(String name, String description, String... tags);

  /** The timer {@code name} with alternating tag names and values. */
  Timer timer(String name, String description, String... tags);

  /** Publishes a value read when metrics are scraped. */
  void gauge(String name, String description, java.util.function.DoubleSupplier value);

  /** Metrics that go nowhere, for unit tests of a domain core. */
  static ServiceMetrics none() {
    return new ServiceMetrics() {
      @Override
      public Counter counter(String name, String description, String... tags) {
        return amount -> {};
      }

      @Override
      public Timer timer(String name, String description, String... tags) {
        return nanos -> {};
      }

      @Override
      public void gauge(String name, String description, java.util.function.DoubleSupplier v) {}
    };
  }
}

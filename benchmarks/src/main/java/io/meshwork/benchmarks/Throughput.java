package io.meshwork.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Calls per second of one engine on one workload.
 *
 * @param samples calls per second of each measured iteration, in the order they ran
 * @param calls calls made in the measured iterations
 */
record Throughput(double[] samples, long calls) {

  Throughput {
    if (samples.length == 0) {
      throw new IllegalArgumentException("a throughput needs at least one sample");
    }
    samples = samples.clone();
  }

  /** The median of the samples: the figure the report uses. */
  double opsPerSecond() {
    return median(samples);
  }

  /** The middle value (the mean of the two middle ones for an even count). */
  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /** Input megabytes (10^6 bytes) processed per second at the median rate. */
  double megabytesPerSecond(int inputBytes) {
    return opsPerSecond() * inputBytes / 1e6;
  }

  /** The median time of one call, in microseconds. */
  double microsPerCall() {
    return 1e6 / opsPerSecond();
  }

  /** The samples as a list, for the JSON report. */
  List<Double> sampleList() {
    return Arrays.stream(samples).boxed().toList();
  }
}

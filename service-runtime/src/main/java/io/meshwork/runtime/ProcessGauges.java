package io.meshwork.runtime;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;

/**
 * The gauges that tell a slow leak from a working process: the heap left after the last garbage
 * collection, the live threads and the open file descriptors. Every service publishes them on its
 * admin port, so that a soak ({@code meshwork bench --soak}) or an operator's scraper can watch
 * them over hours without attaching a debugger.
 *
 * <p>The heap after collection, not the heap in use: the heap in use rises and falls with every
 * allocation burst, while what survives a collection only grows when something is kept.
 */
public final class ProcessGauges {
  /** The heap in use just after the last collection of each heap pool, summed, in bytes. */
  public static final String HEAP_AFTER_GC = "meshwork.process.heap.after.gc.bytes";

  /** The live threads of the JVM. */
  public static final String THREADS = "meshwork.process.threads";

  /** The file descriptors the process has open; -1 where the system does not say. */
  public static final String OPEN_FDS = "meshwork.process.open.fds";

  private ProcessGauges() {}

  /** Publishes the three gauges through {@code metrics}. */
  public static void publish(ServiceMetrics metrics) {
    metrics.gauge(
        HEAP_AFTER_GC,
        "heap bytes in use just after the last garbage collection",
        ProcessGauges::heapAfterGc);
    metrics.gauge(
        THREADS,
        "live threads of the process",
        () -> ManagementFactory.getThreadMXBean().getThreadCount());
    metrics.gauge(OPEN_FDS, "open file descriptors of the process", ProcessGauges::openFds);
  }

  /**
   * The sum over the heap's pools of their usage after their last collection. With G1 a young
   * collection reports every heap pool, the old one included, so the figure is as fresh as the last
   * collection of any kind.
   */
  static long heapAfterGc() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() != MemoryType.HEAP) {
        continue;
      }
      MemoryUsage after = pool.getCollectionUsage();
      if (after != null) {
        sum += after.getUsed();
      }
    }
    return sum;
  }

  static long openFds() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
  }
}

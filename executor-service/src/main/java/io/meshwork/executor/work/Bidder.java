package io.meshwork.executor.work;

import io.meshwork.executor.v1.AnnounceResponse;
import io.meshwork.mesh.v1.BidDecline;
import io.meshwork.mesh.v1.JobAnnouncementV1;
import io.meshwork.mesh.v1.JobBidV1;
import io.meshwork.mesh.v1.MeshJobParams;
import io.meshwork.mesh.v1.ResourceRequirements;
import java.time.Clock;

/**
 * Answers announcements: a bid priced by the {@link PricingRule}, or a decline that says why (the
 * task needs more memory than this executor gives a module, the executor is full or drains, or its
 * price is above what the originator will pay).
 */
public final class Bidder {
  private final TaskRunner runner;
  private final PricingRule pricing;
  private final String did;
  private final long maxMemoryBytes;
  private final Clock clock;

  /** Bids for {@code runner}'s executor. */
  public Bidder(
      TaskRunner runner, PricingRule pricing, String did, long maxMemoryBytes, Clock clock) {
    this.runner = runner;
    this.pricing = pricing;
    this.did = did;
    this.maxMemoryBytes = maxMemoryBytes;
    this.clock = clock;
  }

  /** The bid or decline for {@code announcement}. */
  public AnnounceResponse answer(JobAnnouncementV1 announcement) {
    if (runner.draining()) {
      return decline("DRAINING", "this executor drains: it finishes its tasks and leaves");
    }
    MeshJobParams params = announcement.getParams();
    long memory = params.getLimits().getMemoryBytes();
    if (memory > maxMemoryBytes) {
      return decline(
          "OVER_MEMORY",
          "the task may use "
              + memory
              + " bytes of memory; this executor gives at most "
              + maxMemoryBytes);
    }
    if (!runner.hasRoom()) {
      return decline("BUSY", "every task slot and queue place is taken");
    }
    double load = runner.load();
    long price = pricing.price(params.getInputSize(), params.getOperationType(), load);
    if (params.getMaxPrice() > 0 && price > params.getMaxPrice()) {
      return decline(
          "PRICE_ABOVE_MAX",
          "this executor's price is "
              + price
              + " mana, above the "
              + params.getMaxPrice()
              + " offered");
    }
    String module = params.getModuleCid();
    long input = params.getInputSize();
    // Fuel and time from this module's earlier chunks here when there are any; otherwise the
    // whole fuel limit, and a guess of 64 KiB per millisecond.
    long fuel = runner.fuelEstimate(module, input).orElse(params.getLimits().getFuel());
    long oneSlotMs =
        runner.timeEstimateMillis(module, input).orElse(Math.max(1, input / (64 * 1024)));
    // Queued work ahead of this task stretches the estimate by the load.
    long estimateMs = (long) Math.ceil(oneSlotMs * (1 + load));
    return AnnounceResponse.newBuilder()
        .setBid(
            JobBidV1.newBuilder()
                .setJobId(announcement.getJobId())
                .setExecutorDid(did)
                .setPrice(price)
                .setResources(
                    ResourceRequirements.newBuilder()
                        .setCpuCores(1)
                        .setMemoryBytes(memory)
                        .setFuel(fuel))
                .setTimestamp(clock.millis())
                .setEstimatedTimeMs((int) Math.min(Integer.MAX_VALUE, estimateMs))
                .setCurrentLoad((float) load)
                .setTaskSlots(runner.slots())
                .setModuleCached(runner.hasModule(params.getModuleCid())))
        .build();
  }

  private static AnnounceResponse decline(String reason, String message) {
    return AnnounceResponse.newBuilder()
        .setDecline(BidDecline.newBuilder().setReason(reason).setMessage(message))
        .build();
  }
}

package io.meshwork.dist;

import io.meshwork.client.cli.DashboardCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Which loopback port each service of a mesh on one machine listens on, derived from one base port.
 * The development mesh and the end-to-end tests' meshes of separate processes both lay their
 * services out with it, so that the rule lives in one place.
 *
 * <p>The orchestrator listens on the base, the ledger on the next port, the receipt log on the one
 * after, and executor-1 to executor-N on the ports that follow. Each service's admin port sits
 * {@link #ADMIN_OFFSET} above its gRPC port, so that the two ranges never overlap for any mesh of
 * fewer than a thousand services.
 *
 * @param base the orchestrator's gRPC port
 * @param executors how many executors the mesh has, named {@code executor-1} onwards
 */
public record MeshLayout(int base, int executors) {
  /** How far above its gRPC port a service's admin (health and metrics) port is. */
  public static final int ADMIN_OFFSET = 1000;

  /** The services every mesh has besides its executors, in the order their ports follow. */
  private static final List<String> CORE = List.of("orchestrator", "ledger", "receipts");

  /** The name of executor {@code n}, counted from 1. */
  public static String executor(int n) {
    return "executor-" + n;
  }

  /** Every service's name: orchestrator, ledger, receipts, then the executors in order. */
  public List<String> services() {
    List<String> names = new ArrayList<>(CORE);
    names.addAll(executorNames());
    return List.copyOf(names);
  }

  /** The executors' names, executor-1 first. */
  public List<String> executorNames() {
    List<String> names = new ArrayList<>();
    for (int n = 1; n <= executors; n++) {
      names.add(executor(n));
    }
    return List.copyOf(names);
  }

  /**
   * The gRPC port of {@code service}.
   *
   * @throws IllegalArgumentException when the mesh has no such service
   */
  public int grpcPort(String service) {
    int at = services().indexOf(service);
    if (at < 0) {
      throw new IllegalArgumentException(
          "no service " + service + " in a mesh of " + executors + " executors");
    }
    return base + at;
  }

  /**
   * The admin port of {@code service}. A service asked to take any free gRPC port (0) takes any
   * free admin port too, since there is no fixed port to put it beside.
   */
  public int adminPort(String service) {
    int grpc = grpcPort(service);
    return grpc == 0 ? 0 : grpc + ADMIN_OFFSET;
  }

  /**
   * The orchestrator's dashboard port, {@link DashboardCommand#PORT_OFFSET} above its gRPC port,
   * where {@code meshwork dashboard} looks for it; 0 (any free port) for a mesh on free ports.
   */
  public int dashboardPort() {
    return base == 0 ? 0 : base + DashboardCommand.PORT_OFFSET;
  }

  /** The gRPC target of {@code service}, as a client or another service dials it. */
  public String target(String service) {
    return "127.0.0.1:" + grpcPort(service);
  }

  /** The executors' gRPC targets, executor-1 first, as the orchestrator is told them. */
  public List<String> executorTargets() {
    return executorNames().stream().map(this::target).toList();
  }

  /**
   * A layout of {@code executors} executors whose every gRPC and admin port is free now (a bench or
   * a test mesh beside whatever else runs on the machine).
   */
  public static MeshLayout onFreePorts(int executors) {
    for (int attempt = 0; attempt < 50; attempt++) {
      MeshLayout layout = new MeshLayout(freePort(), executors);
      boolean free = true;
      for (String service : layout.services()) {
        free = free && isFree(layout.grpcPort(service)) && isFree(layout.adminPort(service));
      }
      free = free && isFree(layout.dashboardPort());
      if (free) {
        return layout;
      }
    }
    throw new IllegalStateException("no free ports for a mesh of " + executors + " executors");
  }

  /**
   * Where the ledger of a development mesh listens, given where its orchestrator does
   * ("host:port"), for commands pointed at a mesh that is already running.
   */
  public static String ledgerBeside(String orchestrator) {
    int colon = orchestrator.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("expected host:port, got " + orchestrator);
    }
    int port = Integer.parseInt(orchestrator.substring(colon + 1));
    return orchestrator.substring(0, colon + 1) + new MeshLayout(port, 0).grpcPort("ledger");
  }

  /** A port that is free at the time of asking. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether {@code port} can be bound now. Ports from 65,000 up count as taken, which keeps every
   * port of a layout well inside the range a socket accepts.
   */
  private static boolean isFree(int port) {
    if (port >= 65_000) {
      return false;
    }
    try (ServerSocket s = new ServerSocket(port)) {
      s.setReuseAddress(true);
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}

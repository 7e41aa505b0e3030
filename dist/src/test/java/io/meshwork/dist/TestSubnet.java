package io.meshwork.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A private test subnet of hosts made with Linux network namespaces: a bridge in this (the test's)
 * namespace at {@code 10.213.N.254}, and each host a namespace of its own joined to the bridge by a
 * veth pair, at {@code 10.213.N.1}, {@code .2}, ... Its link can be cut and restored from this
 * side, as a pulled cable would. Everything is removed on close. Needs root and {@code ip}.
 */
final class TestSubnet implements AutoCloseable {
  /** One host of the subnet. */
  record Host(String namespace, String address, String link) {}

  private final String tag;
  private final String prefix;
  private final String bridge;
  private final List<Host> hosts = new ArrayList<>();

  private TestSubnet(String tag, int subnet) {
    this.tag = tag;
    this.prefix = "10.213." + subnet + ".";
    this.bridge = "mwbr" + tag;
  }

  /**
   * Makes the subnet, or says why it cannot be made here (not root, no {@code ip}, namespaces not
   * allowed), in which case nothing is left behind.
   */
  static Optional<TestSubnet> create(StringBuilder whyNot) {
    String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    TestSubnet subnet = new TestSubnet(tag, ThreadLocalRandom.current().nextInt(1, 250));
    try {
      subnet.run("ip", "link", "add", subnet.bridge, "type", "bridge");
      subnet.run("ip", "addr", "add", subnet.prefix + "254/24", "dev", subnet.bridge);
      subnet.run("ip", "link", "set", subnet.bridge, "up");
      return Optional.of(subnet);
    } catch (IOException | RuntimeException e) {
      whyNot.append(e.getMessage());
      subnet.close();
      return Optional.empty();
    }
  }

  /** Adds host number {@code n} (its address ends in n), named {@code name}. */
  Host add(String name, int n) throws IOException {
    String ns = "mw" + tag + name;
    String outer = "mwv" + tag + n;
    run("ip", "netns", "add", ns);
    Host host = new Host(ns, prefix + n, outer);
    hosts.add(host);
    run("ip", "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns);
    run("ip", "link", "set", outer, "master", bridge);
    run("ip", "link", "set", outer, "up");
    run("ip", "-n", ns, "addr", "add", host.address() + "/24", "dev", "eth0");
    run("ip", "-n", ns, "link", "set", "eth0", "up");
    run("ip", "-n", ns, "link", "set", "lo", "up");
    return host;
  }

  /** Cuts {@code host}'s link: its packets go nowhere, and no connection is told. */
  void cut(Host host) throws IOException {
    run("ip", "link", "set", host.link(), "down");
  }

  /** Restores {@code host}'s link. */
  void restore(Host host) throws IOException {
    run("ip", "link", "set", host.link(), "up");
  }

  private void run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }

  @Override
  public void close() {
    for (Host h : hosts) {
      try {
        run("ip", "netns", "del", h.namespace());
      } catch (IOException ignored) {
        // Best effort: the rest is removed even so.
      }
    }
    try {
      run("ip", "link", "del", bridge);
    } catch (IOException ignored) {
      // It was never made, or is gone already.
    }
  }
}

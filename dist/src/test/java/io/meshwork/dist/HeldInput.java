package io.meshwork.dist;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A job input served over HTTP on loopback and held back until the test releases it, so that a job
 * stays running for as long as the test needs, however fast the machine.
 */
final class HeldInput implements AutoCloseable {
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpServer server;

  HeldInput(byte[] text) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/held.txt",
        exchange -> {
          try {
            release.await(10, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, text.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(text);
          }
        });
    server.start();
  }

  /** The input's URL. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/held.txt";
  }

  /** Lets the input go to whoever asked for it. */
  void release() {
    release.countDown();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}

package io.meshwork.testing.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between a service and PostgreSQL that can lose the acknowledgement of a commit: once
 * {@linkplain #loseNextWriteCommitAck armed}, the next {@code COMMIT} of a transaction that wrote
 * is passed on to the server, the server's answer is swallowed, and both sides of that connection
 * are closed. The transaction is committed, but the client only sees its connection break, and
 * cannot tell whether it was: the case a store must survive without losing track of what is in the
 * database.
 *
 * <p>It reads the client's side of the protocol as bytes and looks for the SQL words in it, which
 * works when the driver sends each statement's text: give clients {@link #jdbcUrl}, which turns
 * pgjdbc's server-side prepared statements off ({@code prepareThreshold=0}) for that reason. A
 * transaction "wrote" when an {@code INSERT}, {@code UPDATE} or {@code DELETE} went by since the
 * connection's last {@code COMMIT} or {@code ROLLBACK}, so a read-only connection's commit (a
 * snapshot's end) is never the one lost.
 */
public final class LostAckProxy implements AutoCloseable {
  private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ROLLBACK = "ROLLBACK".getBytes(StandardCharsets.US_ASCII);
  private static final byte[][] WRITES = {
    "INSERT ".getBytes(StandardCharsets.US_ASCII),
    "UPDATE ".getBytes(StandardCharsets.US_ASCII),
    "DELETE ".getBytes(StandardCharsets.US_ASCII)
  };
  // Enough of the previous read to find a word split across two reads.
  private static final int CARRY = 8;

  private final int serverPort;
  private final ServerSocket listener;
  private final Thread acceptor;
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger lost = new AtomicInteger();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private LostAckProxy(int serverPort, ServerSocket listener) {
    this.serverPort = serverPort;
    this.listener = listener;
    this.acceptor = Thread.ofPlatform().daemon().name("lost-ack-proxy").start(this::accept);
  }

  /** A proxy on a free loopback port to the PostgreSQL server on loopback port {@code port}. */
  public static LostAckProxy to(int port) {
    try {
      ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      return new LostAckProxy(port, listener);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen for the proxy", e);
    }
  }

  /**
   * The JDBC URL of {@code database} through the proxy, with server-side prepared statements off so
   * the proxy sees every statement's text.
   */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database + "?prepareThreshold=0";
  }

  /** The loopback port the proxy listens on. */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * Loses the acknowledgement of the next commit of a transaction that wrote, on any connection.
   */
  public void loseNextWriteCommitAck() {
    armed.set(true);
  }

  /** Whether the armed loss is still waiting for its commit. */
  public boolean armed() {
    return armed.get();
  }

  /** How many commits' acknowledgements were lost so far. */
  public int lostAcks() {
    return lost.get();
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // Closing; the acceptor ends on the closed socket either way.
    }
    links.forEach(Link::cut);
    try {
      acceptor.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return;
      }
      Socket server = new Socket();
      try {
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort), 5_000);
      } catch (IOException refused) {
        // The server is down (restarting): the client sees its connection refused, as it would.
        closeQuietly(client);
        closeQuietly(server);
        continue;
      }
      Link link = new Link(client, server);
      links.add(link);
      link.start();
    }
  }

  /** One client connection and its connection to the server, each direction on a thread. */
  private final class Link {
    private final Socket client;
    private final Socket server;
    // Set by the client-side pump before it forwards the COMMIT whose answer is to be lost.
    private volatile boolean swallowAnswer;
    // Touched by the client-side pump only.
    private boolean wrote;

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      Thread.ofPlatform().daemon().name("lost-ack-proxy-up").start(this::clientToServer);
      Thread.ofPlatform().daemon().name("lost-ack-proxy-down").start(this::serverToClient);
    }

    private void clientToServer() {
      byte[] buf = new byte[64 * 1024];
      byte[] window = new byte[CARRY + buf.length];
      int carried = 0;
      try (InputStream in = client.getInputStream();
          OutputStream out = server.getOutputStream()) {
        for (int n; (n = in.read(buf)) > 0; ) {
          System.arraycopy(buf, 0, window, carried, n);
          int length = carried + n;
          for (byte[] write : WRITES) {
            wrote |= indexOf(window, length, write) >= 0;
          }
          boolean commit = indexOf(window, length, COMMIT) >= 0;
          if (commit && wrote && armed.compareAndSet(true, false)) {
            swallowAnswer = true;
          }
          if (commit || indexOf(window, length, ROLLBACK) >= 0) {
            wrote = false;
          }
          out.write(buf, 0, n);
          out.flush();
          // Keep the tail only: a word is looked for once, not again in the next window.
          carried = Math.min(CARRY, length);
          System.arraycopy(window, length - carried, window, 0, carried);
          if (!wrote) {
            // A transaction just ended: nothing in the tail may count again.
            carried = 0;
          }
        }
      } catch (IOException e) {
        // The other side closed, or the link was cut.
      } finally {
        cut();
      }
    }

    private void serverToClient() {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = server.getInputStream();
          OutputStream out = client.getOutputStream()) {
        for (int n; (n = in.read(buf)) > 0; ) {
          if (swallowAnswer) {
            // The server committed and said so; the client never hears it.
            lost.incrementAndGet();
            return;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // As above.
      } finally {
        cut();
      }
    }

    void cut() {
      closeQuietly(client);
      closeQuietly(server);
      links.remove(this);
    }
  }

  private static int indexOf(byte[] data, int length, byte[] word) {
    outer:
    for (int i = 0; i + word.length <= length; i++) {
      for (int j = 0; j < word.length; j++) {
        if (data[i + j] != word[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Already closed, or closing fails: either way the link is gone.
    }
  }
}

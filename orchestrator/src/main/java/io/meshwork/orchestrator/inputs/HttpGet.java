package io.meshwork.orchestrator.inputs;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 GET on a connection this class opens itself, to an address the {@link UrlPolicy}
 * checked. The host's name goes into the request, the TLS server name and the certificate check,
 * never to a resolver: the address connected to is the address checked, which an HTTP client that
 * resolves names itself cannot promise. It sends no credentials and no cookies, asks for the bytes
 * as they are ({@code Accept-Encoding: identity}), closes the connection after one response, and
 * waits at most the idle timeout for any byte and never past the deadline.
 */
final class HttpGet implements Closeable {
  private static final int MAX_LINE = 8 * 1024;
  private static final int MAX_HEADERS = 100;
  private static final int MAX_INTERIM = 5;
  private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3})(?: (.*))?");
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /**
   * A response's status line and headers.
   *
   * @param headers by lower-case name, each with its values in order
   */
  record Response(int status, String reason, Map<String, List<String>> headers) {
    /** The header's value; empty when absent. */
    Optional<String> header(String name) {
      List<String> values = headers.getOrDefault(name, List.of());
      return values.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", values));
    }

    boolean isRedirect() {
      return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }
  }

  private final Socket raw;
  private final Socket socket;
  private final InputStream in;
  private final Duration idle;
  private final long deadline;
  private final Clock clock;

  private HttpGet(
      Socket raw, Socket socket, InputStream in, Duration idle, long deadline, Clock clock) {
    this.raw = raw;
    this.socket = socket;
    this.in = in;
    this.idle = idle;
    this.deadline = deadline;
    this.clock = clock;
  }

  /**
   * Connects to the first of {@code addresses} that answers and sends the request for {@code uri}.
   *
   * @param onCancel takes what breaks the connection off, for a cancel of the job to reach it
   * @param tls the TLS sockets for https (the JVM's trusted roots in production)
   */
  static HttpGet send(
      URI uri,
      List<InetAddress> addresses,
      Duration idle,
      long deadline,
      Clock clock,
      Consumer<Runnable> onCancel,
      SSLSocketFactory tls)
      throws IOException {
    boolean https = uri.getScheme().equalsIgnoreCase("https");
    String host = UrlPolicy.host(uri);
    int port = uri.getPort() == -1 ? (https ? 443 : 80) : uri.getPort();
    IOException failed = null;
    for (InetAddress address : addresses) {
      // No proxy: a proxy would resolve the name again, and reach what it likes.
      Socket raw = new Socket(Proxy.NO_PROXY);
      onCancel.accept(
          () -> {
            try {
              raw.close();
            } catch (IOException e) {
              // Closing is all a cancel asks for.
            }
          });
      try {
        raw.connect(new InetSocketAddress(address, port), wait(idle, deadline, clock));
        Socket socket = raw;
        if (https) {
          SSLSocket ssl = (SSLSocket) tls.createSocket(raw, host, port, true);
          SSLParameters parameters = ssl.getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          if (!UrlPolicy.isLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
          }
          ssl.setSSLParameters(parameters);
          ssl.setSoTimeout(wait(idle, deadline, clock));
          ssl.startHandshake();
          socket = ssl;
        }
        HttpGet get =
            new HttpGet(
                raw,
                socket,
                new BufferedInputStream(socket.getInputStream(), 64 * 1024),
                idle,
                deadline,
                clock);
        get.request(uri);
        return get;
      } catch (IOException e) {
        raw.close();
        if (failed != null) {
          e.addSuppressed(failed);
        }
        failed = e;
      }
    }
    throw failed != null ? failed : new IOException("no address to connect to");
  }

  private void request(URI uri) throws IOException {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    String request =
        "GET "
            + target
            + " HTTP/1.1\r\n"
            + "Host: "
            + uri.getRawAuthority()
            + "\r\n"
            + "User-Agent: meshwork-orchestrator\r\n"
            + "Accept: */*\r\n"
            + "Accept-Encoding: identity\r\n"
            + "Connection: close\r\n\r\n";
    // java.net.URI lets through characters outside ASCII, never control characters; the request
    // goes as ASCII or not at all.
    if (!StandardCharsets.US_ASCII.newEncoder().canEncode(request)) {
      throw new IOException("the URL has characters outside ASCII; percent-encode them");
    }
    OutputStream out = socket.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads the response's status line and headers, skipping interim (1xx) responses. */
  Response response() throws IOException {
    for (int interim = 0; interim <= MAX_INTERIM; interim++) {
      String line = line();
      Matcher status = STATUS_LINE.matcher(line);
      if (!status.matches()) {
        throw new IOException("the answer is not HTTP/1.1: " + printable(line));
      }
      int code = Integer.parseInt(status.group(1));
      Map<String, List<String>> headers = headers();
      if (code >= 200 || code == 101) {
        return new Response(code, status.group(2) == null ? "" : status.group(2), headers);
      }
    }
    throw new IOException("more than " + MAX_INTERIM + " interim answers");
  }

  private Map<String, List<String>> headers() throws IOException {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int n = 0; ; n++) {
      String line = line();
      if (line.isEmpty()) {
        return headers;
      }
      if (n == MAX_HEADERS) {
        throw new IOException("more than " + MAX_HEADERS + " header lines");
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : line.substring(0, colon);
      // A name must be a token; this also refuses obsolete line folding (a leading blank).
      if (!TOKEN.matcher(name).matches()) {
        throw new IOException("a malformed header line: " + printable(line));
      }
      headers
          .computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).strip());
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = readByte();
      if (b < 0) {
        throw new IOException("the connection closed in the middle of the headers");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (line.size() == MAX_LINE) {
        throw new IOException("a header line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
  }

  private int readByte() throws IOException {
    socket.setSoTimeout(wait(idle, deadline, clock));
    return in.read();
  }

  /**
   * Reads body bytes into {@code buffer}, as many as arrive in one read: -1 at the end of the
   * stream.
   *
   * @throws SocketTimeoutException when nothing arrives within the idle timeout, or the deadline
   *     passes
   */
  int read(byte[] buffer, int offset, int length) throws IOException {
    socket.setSoTimeout(wait(idle, deadline, clock));
    return in.read(buffer, offset, length);
  }

  /** How long the next wait may last: the idle timeout, or what is left until the deadline. */
  private static int wait(Duration idle, long deadline, Clock clock) throws SocketTimeoutException {
    long left = deadline - clock.millis();
    if (left <= 0) {
      throw new SocketTimeoutException("the job's deadline passed");
    }
    return (int) Math.max(1, Math.min(Math.min(idle.toMillis(), left), Integer.MAX_VALUE));
  }

  private static String printable(String line) {
    String shown = line.length() > 80 ? line.substring(0, 80) + "..." : line;
    return shown.replaceAll("[^\\x20-\\x7e]", "?");
  }

  @Override
  public void close() throws IOException {
    try {
      socket.close();
    } finally {
      raw.close();
    }
  }
}

package dev.pipe.proxy.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A request line and its header fields. Only HTTP/1.0 and HTTP/1.1 are accepted; HTTP/2 and
 * anything else get 505 or 400.
 */
public record RequestHead(String method, String target, String version, Headers headers) {
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

  /**
   * Reads the next request head; null when the stream ends cleanly before it (the client closed an
   * idle keep-alive connection).
   */
  public static RequestHead read(HttpInput in, HeadLimits limits) throws IOException {
    HeadParser.Budget budget = new HeadParser.Budget(limits.maxBytes());
    String line = HeadParser.startLine(in, budget);
    if (line == null) {
      return null;
    }
    String[] parts = line.split(" ", -1);
    if (parts.length != 3 || !HeadParser.isToken(parts[0]) || !isTarget(parts[1])) {
      throw new HttpException(400, "the request line is not METHOD TARGET HTTP/1.1");
    }
    String version = parts[2];
    if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
      throw new HttpException(
          version.startsWith("HTTP/") ? 505 : 400, "only HTTP/1.1 and HTTP/1.0 are served here");
    }
    return new RequestHead(parts[0], parts[1], version, HeadParser.fields(in, budget, limits));
  }

  private static boolean isTarget(String target) {
    if (target.isEmpty()) {
      return false;
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  /** The same request with other header fields. */
  public RequestHead withHeaders(Headers replaced) {
    return new RequestHead(method, target, version, replaced);
  }

  /**
   * True if the client lets the connection stay open after this exchange: HTTP/1.1 unless it says
   * {@code Connection: close}, HTTP/1.0 only if it says {@code keep-alive}.
   */
  public boolean keepAlive() {
    return version.equals("HTTP/1.1")
        ? !headers.hasToken("Connection", "close")
        : headers.hasToken("Connection", "keep-alive");
  }

  /** True if the client asks to switch protocols (a WebSocket, for one). */
  public boolean upgrade() {
    return headers.has("Upgrade") && headers.hasToken("Connection", "upgrade");
  }

  /** The request in canonical form, with {@code body}'s framing header. */
  public byte[] bytes(BodyLength body) {
    StringBuilder head = new StringBuilder(256);
    head.append(method).append(' ').append(target).append(' ').append(version).append("\r\n");
    Headers framed = headers.without(FRAMING);
    switch (body) {
      case BodyLength.Fixed fixed -> framed = framed.with("Content-Length", "" + fixed.bytes());
      case BodyLength.Chunked chunked -> framed = framed.with("Transfer-Encoding", "chunked");
      case BodyLength.None none -> {
        // No body, no framing header.
      }
      case BodyLength.UntilClose untilClose ->
          throw new IllegalArgumentException("a request body cannot last until the close");
    }
    framed.appendTo(head);
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}

package dev.pipe.proxy.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** A status line and its header fields, as a local service sends them. */
public record ResponseHead(String version, int status, String reason, Headers headers) {
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");
  private static final Set<String> CONTENT_LENGTH = Set.of("content-length");

  /**
   * Reads the next response head.
   *
   * @throws HttpException 502 for anything that is not an HTTP/1.x response
   * @throws java.io.EOFException when the stream ends before it
   */
  public static ResponseHead read(HttpInput in, HeadLimits limits) throws IOException {
    HeadParser.Budget budget = new HeadParser.Budget(limits.maxBytes());
    String line;
    Headers headers;
    try {
      line = HeadParser.startLine(in, budget);
      if (line == null) {
        throw new java.io.EOFException("the local service closed the connection before answering");
      }
      headers = HeadParser.fields(in, budget, limits);
    } catch (HttpException e) {
      throw new HttpException(502, "the local service sent a bad response head: " + e.getMessage());
    }
    int firstSpace = line.indexOf(' ');
    String version = firstSpace < 0 ? line : line.substring(0, firstSpace);
    String rest = firstSpace < 0 ? "" : line.substring(firstSpace + 1);
    String code = rest.length() >= 3 ? rest.substring(0, 3) : "";
    boolean valid =
        (version.equals("HTTP/1.1") || version.equals("HTTP/1.0"))
            && code.chars().allMatch(c -> c >= '0' && c <= '9')
            && code.length() == 3
            && (rest.length() == 3 || rest.charAt(3) == ' ');
    if (!valid) {
      throw new HttpException(502, "the local service did not answer with an HTTP/1.x status line");
    }
    String reason = rest.length() > 4 ? rest.substring(4) : "";
    for (int i = 0; i < reason.length(); i++) {
      if (reason.charAt(i) < 0x20 && reason.charAt(i) != '\t') {
        throw new HttpException(502, "the local service sent a control character in its status");
      }
    }
    return new ResponseHead(version, Integer.parseInt(code), reason, headers);
  }

  /** The same response with other header fields. */
  public ResponseHead withHeaders(Headers replaced) {
    return new ResponseHead(version, status, reason, replaced);
  }

  /** True for 1xx answers other than 101, which another response follows. */
  public boolean interim() {
    return status >= 100 && status < 200 && status != 101;
  }

  /** True if the service lets the connection stay open after this response. */
  public boolean keepAlive() {
    return version.equals("HTTP/1.1")
        ? !headers.hasToken("Connection", "close")
        : headers.hasToken("Connection", "keep-alive");
  }

  /** The response in canonical form, with {@code body}'s framing header. */
  public byte[] bytes(BodyLength body) {
    StringBuilder head = new StringBuilder(256);
    head.append(version).append(' ').append(status);
    if (!reason.isEmpty()) {
      head.append(' ').append(reason);
    }
    head.append("\r\n");
    // A response without a body (to HEAD, a 304) keeps its Content-Length: it describes the
    // representation, not this message. A Transfer-Encoding stays as sent: it ends in chunked (the
    // chunks are written out again as read) or the end of the connection ends the body.
    Headers framed =
        switch (body) {
          case BodyLength.None none -> headers;
          case BodyLength.UntilClose untilClose -> headers.without(CONTENT_LENGTH);
          case BodyLength.Chunked chunked -> headers.without(CONTENT_LENGTH);
          case BodyLength.Fixed fixed ->
              headers.without(FRAMING).with("Content-Length", String.valueOf(fixed.bytes()));
        };
    framed.appendTo(head);
    return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }
}

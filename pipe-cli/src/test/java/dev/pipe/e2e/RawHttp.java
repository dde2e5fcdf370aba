package dev.pipe.e2e;

import dev.pipe.proxy.http.BodyCopy;
import dev.pipe.proxy.http.BodyLength;
import dev.pipe.proxy.http.HeadLimits;
import dev.pipe.proxy.http.HttpInput;
import dev.pipe.proxy.http.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection driven by hand, so that a test chooses every byte: the Host header, a
 * keep-alive connection's requests, headers a browser would never send.
 */
final class RawHttp implements AutoCloseable {
  private static final HeadLimits LIMITS = new HeadLimits(64 * 1024, 200);

  /** A response as it arrived. */
  record Response(ResponseHead head, String body) {
    int status() {
      return head.status();
    }

    String header(String name) {
      return head.headers().single(name);
    }
  }

  final Socket socket;
  private final HttpInput in;

  RawHttp(int port) throws IOException {
    socket = Fixture.connect(port);
    in = new HttpInput(socket.getInputStream(), 8_192);
  }

  /** Sends {@code head} lines (without the final blank line) and {@code body}. */
  RawHttp send(String head, String body) throws IOException {
    socket
        .getOutputStream()
        .write((head + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
    return this;
  }

  /** {@code GET path} for {@code host}, keep-alive, with extra header lines. */
  RawHttp get(String host, String path, String... headers) throws IOException {
    StringBuilder head = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host);
    for (String header : headers) {
      head.append("\r\n").append(header);
    }
    return send(head.toString(), "");
  }

  /** Reads one response to a request made with {@code method}. */
  Response read(String method) throws IOException {
    ResponseHead head = ResponseHead.read(in, LIMITS);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    new BodyCopy(in, body, bytes -> {}, new byte[8_192], LIMITS, 502)
        .copy(BodyLength.of(head, method));
    return new Response(head, body.toString(StandardCharsets.UTF_8));
  }

  Response read() throws IOException {
    return read("GET");
  }

  /** True once the server closed the connection (reads see the end of the stream). */
  boolean closedByServer() throws IOException {
    return !in.awaitData();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

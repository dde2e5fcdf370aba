package dev.pipe.e2e;

import dev.pipe.proxy.Sockets;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;

/**
 * Just enough WebSocket (RFC 6455) to prove an upgrade passes through: a server that answers the
 * handshake and echoes each text frame, and a client frame writer and reader.
 */
final class WebSocketEcho implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

  private final ServerSocket listener;

  private WebSocketEcho(ServerSocket listener) {
    this.listener = listener;
    Thread.ofVirtual().name("websocket-echo").start(this::acceptLoop);
  }

  static WebSocketEcho start() throws IOException {
    return new WebSocketEcho(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
  }

  int port() {
    return listener.getLocalPort();
  }

  /** The {@code Sec-WebSocket-Accept} value the handshake must answer to {@link #KEY}. */
  static String accept(String key) throws Exception {
    byte[] digest =
        MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
    return Base64.getEncoder().encodeToString(digest);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket socket = listener.accept();
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void serve(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      String key =
          head.lines()
              .filter(line -> line.toLowerCase().startsWith("sec-websocket-key:"))
              .map(line -> line.substring(line.indexOf(':') + 1).strip())
              .findFirst()
              .orElseThrow();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Accept: "
                  + accept(key)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      while (true) {
        String text = readFrame(in);
        if (text == null) {
          return;
        }
        writeFrame(out, "echo: " + text, false);
      }
    } catch (Exception e) {
      // The test's client went away; nothing to clean up but the socket.
    }
  }

  /** Reads byte by byte up to and including the blank line that ends a head. */
  static String readHead(InputStream in) throws IOException {
    return readUntil(in, "\r\n\r\n");
  }

  /** Reads byte by byte up to and including the first CRLF. */
  static String readLine(InputStream in) throws IOException {
    return readUntil(in, "\r\n");
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder text = new StringBuilder();
    while (!text.toString().endsWith(end)) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the connection ended before " + end.length() + " line end bytes");
      }
      text.append((char) b);
    }
    return text.toString();
  }

  /** Writes one text frame; a client masks its frames, a server does not. */
  static void writeFrame(OutputStream out, String text, boolean masked) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    out.write(0x81);
    out.write((masked ? 0x80 : 0) | payload.length);
    if (masked) {
      byte[] mask = new byte[4];
      new Random().nextBytes(mask);
      out.write(mask);
      for (int i = 0; i < payload.length; i++) {
        payload[i] ^= mask[i % 4];
      }
    }
    out.write(payload);
    out.flush();
  }

  /** Reads one short text frame; null at the end of the stream. */
  static String readFrame(InputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    DataInputStream data = new DataInputStream(in);
    int second = data.readUnsignedByte();
    int length = second & 0x7f;
    byte[] mask = new byte[4];
    if ((second & 0x80) != 0) {
      data.readFully(mask);
    }
    byte[] payload = new byte[length];
    data.readFully(payload);
    for (int i = 0; i < length; i++) {
      payload[i] ^= mask[i % 4];
    }
    return new String(payload, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    Sockets.closeQuietly(listener);
  }
}

package dev.pipe.client;

import dev.pipe.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** One health check of one target, bounded by the check's timeout from connect to verdict. */
final class HealthProbe {
  /** A status line longer than this is not HTTP. */
  private static final int MAX_STATUS_LINE = 1_024;

  private HealthProbe() {}

  /** Empty if the target passed; else what failed, for the log line. */
  static Optional<String> check(HealthCheck check, HostPort target) {
    long deadline = System.nanoTime() + check.timeout().toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(target.toAddress(), millisLeft(deadline));
      return switch (check.kind()) {
        case TCP -> Optional.empty();
        case HTTP -> http(socket, check.path(), target, deadline);
      };
    } catch (IOException e) {
      return Optional.of(
          check.kind().name().toLowerCase(Locale.ROOT)
              + " check of "
              + target
              + " failed: "
              + e.getMessage());
    }
  }

  private static Optional<String> http(Socket socket, String path, HostPort target, long deadline)
      throws IOException {
    socket.setSoTimeout(millisLeft(deadline));
    socket
        .getOutputStream()
        .write(
            ("GET "
                    + path
                    + " HTTP/1.1\r\nHost: "
                    + target
                    + "\r\nUser-Agent: pipe-health-check\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    String status = statusLine(socket.getInputStream(), deadline, socket);
    String[] parts = status.split(" ", 3);
    if (parts.length >= 2 && parts[0].startsWith("HTTP/") && parts[1].matches("2\\d\\d")) {
      return Optional.empty();
    }
    return Optional.of(
        "http check of "
            + target
            + path
            + " answered '"
            + (status.length() > 80 ? status.substring(0, 80) : status)
            + "', not 2xx");
  }

  private static String statusLine(InputStream in, long deadline, Socket socket)
      throws IOException {
    StringBuilder line = new StringBuilder();
    while (line.length() < MAX_STATUS_LINE) {
      socket.setSoTimeout(millisLeft(deadline));
      int c = in.read();
      if (c < 0 || c == '\n') {
        break;
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  private static int millisLeft(long deadline) throws IOException {
    long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
    if (left <= 0) {
      throw new IOException("no answer within the health check's timeout");
    }
    return Math.toIntExact(left);
  }
}

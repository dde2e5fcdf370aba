package dev.pipe.e2e;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the server logs while it is open. slf4j-simple writes each line to whatever {@code
 * System.err} is at that moment, so a tee in its place sees every line; tests in this module run
 * one at a time, so the lines are the test's own.
 */
final class LogCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private LogCapture() {
    OutputStream tee =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] bytes, int offset, int length) {
            original.write(bytes, offset, length);
            synchronized (captured) {
              captured.write(bytes, offset, length);
            }
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
  }

  static LogCapture start() {
    return new LogCapture();
  }

  String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  /** Waits for a logged line containing {@code fragment} and returns that line. */
  String await(String fragment) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : text().split("\n")) {
        if (line.contains(fragment)) {
          return line;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no log line containing '" + fragment + "' in:\n" + text());
  }

  @Override
  public void close() {
    System.setErr(original);
  }
}

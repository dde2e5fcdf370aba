package dev.pipe.server;

import dev.pipe.proxy.RateLimitedLog;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Accepts on a public listening socket until it is closed, handing each connection to {@code
 * admit}. Accept fails when the process is out of file descriptors: retrying at once would spin,
 * and giving up would close the port over a passing overload, so it waits a little and goes on.
 */
final class AcceptLoop {
  private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

  private AcceptLoop() {}

  /**
   * Runs on the calling thread until {@code listener} closes.
   *
   * @param what names the port in the (rate-limited) line logged when accept fails
   */
  static void run(
      ServerSocket listener, Consumer<Socket> admit, RateLimitedLog failures, String what) {
    while (!listener.isClosed()) {
      Socket user;
      try {
        user = listener.accept();
      } catch (IOException e) {
        if (!listener.isClosed()) {
          failures.warn("{} could not accept: {}", what, e.toString());
          pause();
        }
        continue;
      }
      admit.accept(user);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(RETRY_PAUSE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.pipe.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

/** The socket options every pipe connection uses, and quiet closing. */
public final class Sockets {
  private static final Duration LISTENER_CLOSE_WAIT = Duration.ofSeconds(2);

  private Sockets() {}

  /**
   * No Nagle delay (a tunnel must not add 40 ms to every small write: see the ssh -R numbers in
   * BENCHMARKS.md) and TCP keepalive, so that a peer that vanished is noticed eventually even on a
   * connection that is otherwise idle forever.
   */
  public static Socket tune(Socket socket) throws SocketException {
    socket.setTcpNoDelay(true);
    socket.setKeepAlive(true);
    return socket;
  }

  /**
   * Closes a listening socket and waits for the thread blocked in its {@code accept()} (or a UDP
   * socket's {@code receive()}) to leave. When that thread is virtual, the JDK releases the port
   * only once it has left the call, so without the wait a restart that binds the same port at once
   * fails with "address in use".
   */
  public static void closeListener(Closeable listener, Thread acceptThread) {
    closeQuietly(listener);
    if (acceptThread == null || acceptThread == Thread.currentThread()) {
      return;
    }
    try {
      acceptThread.join(LISTENER_CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes and ignores the failure: for paths that are already ending the connection. */
  public static void closeQuietly(Closeable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (IOException e) {
      // Nothing is left to do with a connection that is being abandoned.
    }
  }
}

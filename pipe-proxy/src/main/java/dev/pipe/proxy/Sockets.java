package dev.pipe.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;

/** The socket options every pipe connection uses, and quiet closing. */
public final class Sockets {
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

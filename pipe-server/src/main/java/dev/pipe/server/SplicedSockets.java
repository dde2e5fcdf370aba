package dev.pipe.server;

import dev.pipe.proxy.Sockets;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connections of one tunnel that are being spliced, so that an operator who closes the tunnel
 * can cut them, including one that is about to start.
 */
final class SplicedSockets {
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  /** Remembers a connection; false if the tunnel was cut already, and then the caller closes it. */
  boolean track(Socket socket) {
    sockets.add(socket);
    if (cut) {
      sockets.remove(socket);
      return false;
    }
    return true;
  }

  void untrack(Socket socket) {
    sockets.remove(socket);
  }

  /** Closes every tracked connection, and makes every later {@link #track} fail. */
  void cutAll() {
    cut = true;
    sockets.forEach(Sockets::closeQuietly);
  }
}

package dev.pipe.server;

import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.http.HttpInput;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A data connection of an http tunnel, pooled or new, used as an HTTP connection to its local
 * service: it carries requests one after another, kept alive in between, for one user connection
 * and then, from the tunnel's {@link IdleUpstreams}, for the next.
 */
final class HttpUpstream {
  private static final int BUFFER_BYTES = 8 * 1024;
  private static final int COPY_BUFFER_BYTES = 16 * 1024;

  private final Socket socket;
  private final HttpInput in;
  private final OutputStream out;
  private final byte[] buffer = new byte[COPY_BUFFER_BYTES];
  private final InetSocketAddress user;
  private boolean carried;
  private long idleSince = System.nanoTime();

  /**
   * @param in what to read the local service's answers from: the socket's stream, or for a pooled
   *     data connection {@link PooledInput}
   * @param user the user address it was opened for: the one in its PROXY protocol header, if the
   *     tunnel asked for one
   */
  HttpUpstream(Socket socket, InputStream in, InetSocketAddress user) throws IOException {
    this.socket = socket;
    this.in = new HttpInput(in, BUFFER_BYTES);
    this.out = new BufferedOutputStream(socket.getOutputStream(), BUFFER_BYTES);
    this.user = user;
  }

  Socket socket() {
    return socket;
  }

  HttpInput in() {
    return in;
  }

  OutputStream out() {
    return out;
  }

  /** The buffer its responses are copied through. */
  byte[] buffer() {
    return buffer;
  }

  InetSocketAddress user() {
    return user;
  }

  /**
   * True once it carried a request: the local service may have closed it since, which a new
   * connection cannot have.
   */
  boolean carried() {
    return carried;
  }

  /** An exchange on it ended; it is idle from now. */
  void exchanged() {
    carried = true;
    idleSince = System.nanoTime();
  }

  long idleNanos() {
    return System.nanoTime() - idleSince;
  }

  void close() {
    Sockets.closeQuietly(socket);
  }
}

package dev.pipe.e2e;

import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A relay that misbehaves: it forwards every connection to a target port, and flips one bit of the
 * byte at a given offset of each connection's stream in one direction, as a compromised server or a
 * path that corrupts data would.
 */
final class TamperingRelay implements AutoCloseable {
  /** Which direction gets the flipped byte. */
  enum Direction {
    /** What the client sends towards the target. */
    UPSTREAM,
    /** What the target sends back to the client. */
    DOWNSTREAM
  }

  private final ServerSocket listener;
  private final int target;
  private final Direction direction;
  private final long offset;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Thread acceptThread;

  private TamperingRelay(int target, Direction direction, long offset) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.target = target;
    this.direction = direction;
    this.offset = offset;
    this.acceptThread = Thread.ofVirtual().name("tampering-relay").start(this::acceptLoop);
  }

  static TamperingRelay start(int target, Direction direction, long offset) throws IOException {
    return new TamperingRelay(target, direction, offset);
  }

  int port() {
    return listener.getLocalPort();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        Thread.ofVirtual()
            .start(() -> copy(client, server, direction == Direction.UPSTREAM ? offset : -1));
        Thread.ofVirtual()
            .start(() -> copy(server, client, direction == Direction.DOWNSTREAM ? offset : -1));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void copy(Socket from, Socket to, long flipAt) {
    byte[] buffer = new byte[16 * 1024];
    long position = 0;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (flipAt >= position && flipAt < position + n) {
          buffer[(int) (flipAt - position)] ^= 1;
        }
        position += n;
        out.write(buffer, 0, n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      Sockets.closeQuietly(from);
      Sockets.closeQuietly(to);
    }
  }

  @Override
  public void close() {
    Sockets.closeListener(listener, acceptThread);
    sockets.forEach(Sockets::closeQuietly);
  }
}

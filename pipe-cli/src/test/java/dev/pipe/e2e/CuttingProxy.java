package dev.pipe.e2e;

import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a client and a server that a test can cut: every connection through it is
 * remembered, in order, and can be closed on both sides as a dropped network path would be.
 */
final class CuttingProxy implements AutoCloseable {
  /** One relayed connection: the client's side and the server's side. */
  record Link(Socket fromClient, Socket toServer) {
    void cut() {
      Sockets.closeQuietly(fromClient);
      Sockets.closeQuietly(toServer);
    }
  }

  private final ServerSocket listener;
  private final int targetPort;
  private final List<Link> links = new CopyOnWriteArrayList<>();

  private CuttingProxy(ServerSocket listener, int targetPort) {
    this.listener = listener;
    this.targetPort = targetPort;
  }

  static CuttingProxy to(int targetPort) throws IOException {
    CuttingProxy proxy =
        new CuttingProxy(new ServerSocket(0, 100, InetAddress.getLoopbackAddress()), targetPort);
    Thread.ofVirtual().start(proxy::acceptLoop);
    return proxy;
  }

  int port() {
    return listener.getLocalPort();
  }

  /** Every connection made through the proxy so far, the first first. */
  List<Link> links() {
    return List.copyOf(links);
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        links.add(new Link(client, server));
        Thread.ofVirtual().start(() -> pump(client, server));
        Thread.ofVirtual().start(() -> pump(server, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      in.transferTo(out);
      to.shutdownOutput();
    } catch (IOException e) {
      Sockets.closeQuietly(from);
      Sockets.closeQuietly(to);
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    links.forEach(Link::cut);
  }
}

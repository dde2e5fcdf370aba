package dev.pipe.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP echo service: sends back every byte it receives, and half-closes its side when the peer
 * half-closes, so a client that shuts down its output still reads every echoed byte.
 */
public final class EchoServer implements AutoCloseable {
  private static final int BUFFER_BYTES = 32 * 1024;

  private final ServerSocket serverSocket;
  private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
  private volatile Thread acceptThread;

  private EchoServer(ServerSocket serverSocket) {
    this.serverSocket = serverSocket;
  }

  /** Starts on {@code host:port}; port 0 picks a free one. */
  public static EchoServer start(String host, int port) throws IOException {
    ServerSocket serverSocket = new ServerSocket();
    serverSocket.setReuseAddress(true);
    serverSocket.bind(new InetSocketAddress(host, port), 1_024);
    EchoServer echo = new EchoServer(serverSocket);
    echo.acceptThread = Thread.ofVirtual().name("echo-accept").start(echo::acceptLoop);
    return echo;
  }

  public int port() {
    return serverSocket.getLocalPort();
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      try {
        Socket socket = serverSocket.accept();
        connections.add(socket);
        Thread.ofVirtual().name("echo").start(() -> echo(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void echo(Socket socket) {
    try (socket) {
      socket.setTcpNoDelay(true);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[BUFFER_BYTES];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
      }
      socket.shutdownOutput();
    } catch (IOException e) {
      // The peer went away mid-echo; there is nobody left to report it to.
    } finally {
      connections.remove(socket);
    }
  }

  @Override
  public void close() throws IOException {
    serverSocket.close();
    try {
      // A virtual thread in accept() holds the port until it leaves; wait so the port is free.
      acceptThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket socket : connections) {
      socket.close();
    }
  }
}

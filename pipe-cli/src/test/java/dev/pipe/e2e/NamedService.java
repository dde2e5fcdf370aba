package dev.pipe.e2e;

import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A local service that says its name to each connection, then holds it until the user closes it: a
 * user learns which member served it, and a connection it keeps open stays open on that member.
 */
final class NamedService implements AutoCloseable {
  private final String name;
  private final ServerSocket listener;
  private final Thread acceptor;

  private NamedService(String name, ServerSocket listener) {
    this.name = name;
    this.listener = listener;
    this.acceptor = Thread.ofVirtual().name("named-" + name).start(this::accept);
  }

  static NamedService start(String name) throws IOException {
    return start(name, 0);
  }

  /** On a given port, to bring a stopped service back where its tunnel expects it. */
  static NamedService start(String name, int port) throws IOException {
    ServerSocket listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    return new NamedService(name, listener);
  }

  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket user = listener.accept();
        Thread.ofVirtual().start(() -> serve(user));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket user) {
    try (user) {
      user.getOutputStream().write((name + "\n").getBytes(StandardCharsets.UTF_8));
      InputStream in = user.getInputStream();
      while (in.read() >= 0) {
        // Held until the user closes.
      }
    } catch (IOException e) {
      // The user went away: nothing to serve.
    }
  }

  /**
   * Connects to {@code port} (from {@code from}) and returns the name of the member that answers.
   */
  static String ask(String from, int port) throws IOException {
    try (Socket user = open(from, port)) {
      return readName(user);
    }
  }

  /** A connection that stays open; {@link #readName} says who holds it. */
  static Socket open(String from, int port) throws IOException {
    Socket user = new Socket();
    user.bind(new InetSocketAddress(from, 0));
    user.connect(new InetSocketAddress(Fixture.LOOPBACK, port), 10_000);
    user.setSoTimeout(20_000);
    return user;
  }

  static String readName(Socket user) throws IOException {
    StringBuilder line = new StringBuilder();
    InputStream in = user.getInputStream();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      line.append((char) c);
    }
    if (c < 0) {
      throw new IOException("closed before a name arrived (got '" + line + "')");
    }
    return line.toString();
  }

  @Override
  public void close() {
    Sockets.closeListener(listener, acceptor);
  }
}

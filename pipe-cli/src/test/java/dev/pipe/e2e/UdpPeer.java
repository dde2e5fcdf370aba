package dev.pipe.e2e;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/** A remote peer of a UDP tunnel: one socket of its own, talking to the tunnel's public port. */
public final class UdpPeer implements AutoCloseable {
  private static final int BUFFER_BYTES = 64 * 1024;

  private final DatagramSocket socket;
  private final byte[] buffer = new byte[BUFFER_BYTES];

  private UdpPeer(DatagramSocket socket) {
    this.socket = socket;
  }

  /** A peer on 127.0.0.1 that sends to {@code port} and hears only from it. */
  public static UdpPeer to(int port) throws IOException {
    return from(Fixture.LOOPBACK, port);
  }

  /** The same from another loopback address, such as 127.0.0.2, as a different host would. */
  public static UdpPeer from(String localAddress, int port) throws IOException {
    DatagramSocket socket = new DatagramSocket(new InetSocketAddress(localAddress, 0));
    socket.setReceiveBufferSize(1024 * 1024);
    socket.connect(new InetSocketAddress(Fixture.LOOPBACK, port));
    return new UdpPeer(socket);
  }

  public void send(byte[] payload) throws IOException {
    socket.send(new DatagramPacket(payload, payload.length));
  }

  public void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The next datagram, or null if none comes within {@code timeout}. */
  public byte[] receive(Duration timeout) throws IOException {
    socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
    try {
      socket.receive(packet);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return Arrays.copyOf(packet.getData(), packet.getLength());
  }

  /**
   * Sends {@code text} and waits for its echo; true if it came within {@code timeout}. Echoes of
   * earlier attempts that arrive late are skipped.
   */
  public boolean echoed(String text, Duration timeout) throws IOException {
    send(text);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      byte[] reply = receive(Duration.ofNanos(Math.max(left, 1_000_000)));
      if (reply != null && text.equals(new String(reply, StandardCharsets.UTF_8))) {
        return true;
      }
    }
  }

  /**
   * Sends {@code text} again and again until its echo comes back, for a tunnel that is coming up;
   * fails after {@code timeout}.
   */
  public void echoedEventually(String text, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (echoed(text, Duration.ofMillis(200))) {
        return;
      }
    }
    throw new AssertionError(
        "no echo of '" + text + "' within " + timeout.toMillis() + " ms through the tunnel");
  }

  public int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    socket.close();
  }
}

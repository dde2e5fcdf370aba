package dev.pipe.example;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP echo service: sends every datagram back, byte for byte, to the address it came from. It
 * remembers which addresses it has heard from, so a test (or a curious user) can see that every
 * peer of a UDP tunnel reaches it from an address of its own.
 */
public final class UdpEchoServer implements AutoCloseable {
  /** Larger than any UDP payload (65,507 bytes over IPv4), so nothing is ever cut. */
  private static final int BUFFER_BYTES = 64 * 1024;

  /** Room for bursts from many peers at once; the kernel may grant less. */
  private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

  /** Peers remembered at most; beyond that, new peers are still echoed but not remembered. */
  private static final int MAX_REMEMBERED_PEERS = 100_000;

  private final DatagramSocket socket;
  private final Set<SocketAddress> peers = ConcurrentHashMap.newKeySet();
  private volatile Thread thread;

  private UdpEchoServer(DatagramSocket socket) {
    this.socket = socket;
  }

  /** Starts on {@code host:port}; port 0 picks a free one. */
  public static UdpEchoServer start(String host, int port) throws IOException {
    DatagramSocket socket = new DatagramSocket(null);
    try {
      socket.setReceiveBufferSize(SOCKET_BUFFER_BYTES);
      socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    UdpEchoServer echo = new UdpEchoServer(socket);
    echo.thread = Thread.ofVirtual().name("udp-echo").start(echo::echoLoop);
    return echo;
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** The addresses datagrams came from so far. */
  public Set<SocketAddress> peers() {
    return Set.copyOf(peers);
  }

  private void echoLoop() {
    DatagramPacket packet = new DatagramPacket(new byte[BUFFER_BYTES], BUFFER_BYTES);
    while (!socket.isClosed()) {
      try {
        packet.setLength(BUFFER_BYTES);
        socket.receive(packet);
        if (peers.size() < MAX_REMEMBERED_PEERS) {
          peers.add(packet.getSocketAddress());
        }
        socket.send(packet);
      } catch (IOException e) {
        // Closed (the loop ends), or the peer is gone (ICMP unreachable): serve the next one.
      }
    }
  }

  @Override
  public void close() {
    socket.close();
    try {
      // A virtual thread in receive() holds the port until it leaves; wait so the port is free.
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

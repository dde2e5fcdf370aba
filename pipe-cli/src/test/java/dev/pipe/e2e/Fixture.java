package dev.pipe.e2e;

import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.BooleanSupplier;

/** Shared pieces of the end-to-end tests: everything on 127.0.0.1, every port ephemeral. */
public final class Fixture {
  static final String LOOPBACK = "127.0.0.1";
  static final Secret TOKEN = Secret.of("e2e-token-7f3a9c");

  private Fixture() {}

  static ServerConfig.Builder serverConfig() {
    return ServerConfig.builder().bindAddress(LOOPBACK).port(0).token(TOKEN);
  }

  static TunnelSpec tcp(String name, int localPort, int remotePort) {
    return new TunnelSpec(
        name, TunnelType.TCP, new HostPort(LOOPBACK, localPort), remotePort, Optional.empty());
  }

  static TunnelSpec udp(String name, int localPort, int remotePort) {
    return new TunnelSpec(
        name, TunnelType.UDP, new HostPort(LOOPBACK, localPort), remotePort, Optional.empty());
  }

  static TunnelSpec udp(String name, int localPort, int remotePort, UdpSessions sessions) {
    return new TunnelSpec(
        name,
        TunnelType.UDP,
        new HostPort(LOOPBACK, localPort),
        remotePort,
        Optional.empty(),
        Optional.of(sessions));
  }

  /** A UDP port that was free a moment ago. */
  public static int freeUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A port that was free for TCP and for UDP a moment ago. */
  static int freeTcpAndUdpPort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (udpPortIsFree(tcp.getLocalPort())) {
          return tcp.getLocalPort();
        }
      }
    }
    throw new IOException("no port free for both TCP and UDP in 100 attempts");
  }

  /** True if nothing holds UDP {@code port} on the loopback address. */
  public static boolean udpPortIsFree(int port) {
    try (DatagramSocket probe = new DatagramSocket(port, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * UDP sockets of this machine connected to {@code port} on their remote side, from the kernel's
   * own table: how a test sees that sockets were closed, not just forgotten.
   */
  public static long udpSocketsConnectedTo(int port) throws IOException {
    String remotePort = String.format(":%04X", port);
    long count = 0;
    for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
      for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
        String[] fields = line.strip().split("\\s+");
        if (fields[2].endsWith(remotePort)) {
          count++;
        }
      }
    }
    return count;
  }

  static Socket connect(int port) throws IOException {
    Socket socket = new Socket(LOOPBACK, port);
    socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
    return socket;
  }

  /** Ports that were free a moment ago (closed again before returning, so they may be bound). */
  public static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    int[] ports = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
    return ports;
  }

  /** Polls until {@code condition} holds, failing after {@code timeout}. */
  public static void eventually(Duration timeout, String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + timeout.toMillis() + " ms waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /** A frame header by hand: a type byte and a length, for tests that send what no codec would. */
  static byte[] header(int type, int length) {
    return ByteBuffer.allocate(5).put((byte) type).putInt(length).array();
  }

  /** A whole frame by hand around {@code body}, whatever it holds. */
  static byte[] frame(int type, byte[] body) {
    return ByteBuffer.allocate(5 + body.length)
        .put((byte) type)
        .putInt(body.length)
        .put(body)
        .array();
  }

  /** Reads until the peer closes; a Rejected frame (or anything) before the close is fine. */
  static boolean drainUntilClosed(InputStream in) throws IOException {
    try {
      while (in.read() >= 0) {
        // skip whatever the server says before it closes
      }
      return true;
    } catch (SocketException e) {
      return true;
    }
  }

  /** Random bytes from a seed, so that sender and checker need not keep them. */
  static byte[] randomBytes(long seed, int length) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Writes {@code total} seeded random bytes in chunks, then half-closes; returns their SHA-256.
   */
  static String sendRandom(Socket socket, long seed, long total) throws IOException {
    MessageDigest digest = sha256();
    Random random = new Random(seed);
    byte[] chunk = new byte[64 * 1024];
    OutputStream out = socket.getOutputStream();
    long left = total;
    while (left > 0) {
      int n = (int) Math.min(chunk.length, left);
      random.nextBytes(chunk);
      out.write(chunk, 0, n);
      digest.update(chunk, 0, n);
      left -= n;
    }
    socket.shutdownOutput();
    return HexFormat.of().formatHex(digest.digest());
  }

  /** A digest of everything read until end of stream, and how many bytes that was. */
  record Received(String sha256, long bytes) {}

  static Received receiveAll(InputStream in) throws IOException {
    MessageDigest digest = sha256();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) >= 0) {
      digest.update(buffer, 0, n);
      total += n;
    }
    return new Received(HexFormat.of().formatHex(digest.digest()), total);
  }
}

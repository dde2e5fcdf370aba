package dev.pipe.bench;

import dev.pipe.proxy.Splice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One relay hop on loopback, the unit a tunnel is made of: a sender writes without pause into the
 * relay, the relay copies to a receiver, and the benchmark thread is the receiver. Each candidate
 * relay moves the same stream; the score is MiB received per second.
 *
 * <ul>
 *   <li>{@code splice}: pipe's {@link Splice}, socket streams with buffers that grow under load
 *   <li>{@code stream-16k}, {@code stream-64k}: a plain read/write loop with one fixed buffer
 *   <li>{@code transferTo}: {@link InputStream#transferTo}
 *   <li>{@code channel-direct-64k}: blocking {@link SocketChannel}s and one direct buffer
 *   <li>{@code linux-splice}: splice(2) through a kernel pipe ({@link LinuxSplice}), zero copy
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--enable-native-access=ALL-UNNAMED"
    })
public class SpliceBenchmark {
  private static final int MIB = 1 << 20;
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  @Param({"splice", "stream-16k", "stream-64k", "transferTo", "channel-direct-64k", "linux-splice"})
  public String relay;

  private Hop hop;
  private Thread sender;
  private Thread relayThread;
  private final byte[] received = new byte[64 * 1024];

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    hop =
        relay.startsWith("channel") || relay.equals("linux-splice")
            ? Hop.ofChannels()
            : Hop.ofSockets();
    sender = Thread.ofVirtual().name("sender").start(this::send);
    Runnable copy = relayTask();
    relayThread =
        relay.equals("linux-splice")
            ? Thread.ofPlatform().name("relay").start(copy)
            : Thread.ofVirtual().name("relay").start(copy);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    hop.sender.close();
    hop.receiver.close();
    relayThread.join(TimeUnit.SECONDS.toMillis(10));
    sender.join(TimeUnit.SECONDS.toMillis(10));
    hop.relayIn.close();
    hop.relayOut.close();
  }

  /** Receives one MiB that went through the relay. */
  @Benchmark
  @OperationsPerInvocation(1)
  public int receiveOneMiB() throws IOException {
    InputStream in = hop.receiver.getInputStream();
    int remaining = MIB;
    while (remaining > 0) {
      int n = in.read(received, 0, Math.min(received.length, remaining));
      if (n < 0) {
        throw new IOException("the relay ended the stream");
      }
      remaining -= n;
    }
    return remaining;
  }

  private void send() {
    byte[] chunk = new byte[64 * 1024];
    try {
      OutputStream out = hop.sender.getOutputStream();
      while (true) {
        out.write(chunk);
      }
    } catch (IOException endedByTearDown) {
      // The trial is over.
    }
  }

  private Runnable relayTask() {
    Socket in = hop.relayIn;
    Socket out = hop.relayOut;
    return switch (relay) {
      case "splice" -> () -> runSplice(in, out);
      case "stream-16k" -> () -> copyStreams(in, out, 16 * 1024);
      case "stream-64k" -> () -> copyStreams(in, out, 64 * 1024);
      case "transferTo" -> () -> transferTo(in, out);
      case "channel-direct-64k" -> () -> copyChannels(in.getChannel(), out.getChannel());
      case "linux-splice" -> () -> linuxSplice(in.getChannel(), out.getChannel());
      default -> throw new IllegalArgumentException("unknown relay " + relay);
    };
  }

  private static void runSplice(Socket in, Socket out) {
    try {
      Splice.run(Splice.Side.of(in), Splice.Side.of(out), "bench");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void copyStreams(Socket in, Socket out, int bufferBytes) {
    byte[] buffer = new byte[bufferBytes];
    try {
      InputStream from = in.getInputStream();
      OutputStream to = out.getOutputStream();
      int n;
      while ((n = from.read(buffer)) >= 0) {
        to.write(buffer, 0, n);
      }
    } catch (IOException endedByTearDown) {
      // The trial is over.
    }
  }

  private static void transferTo(Socket in, Socket out) {
    try {
      in.getInputStream().transferTo(out.getOutputStream());
    } catch (IOException endedByTearDown) {
      // The trial is over.
    }
  }

  private static void copyChannels(SocketChannel in, SocketChannel out) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    try {
      while (in.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        buffer.clear();
      }
    } catch (IOException endedByTearDown) {
      // The trial is over.
    }
  }

  private static void linuxSplice(SocketChannel in, SocketChannel out) {
    try {
      LinuxSplice.relay(LinuxSplice.fd(in), LinuxSplice.fd(out));
    } catch (IOException endedByTearDown) {
      // The trial is over.
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("run with --add-opens=java.base/sun.nio.ch=ALL-UNNAMED", e);
    }
  }

  /** The four sockets of one hop: sender to relay, relay to receiver. */
  private record Hop(Socket sender, Socket relayIn, Socket relayOut, Socket receiver) {
    static Hop ofSockets() throws IOException {
      try (ServerSocket relayListener = new ServerSocket(0, 1, LOOPBACK);
          ServerSocket receiverListener = new ServerSocket(0, 1, LOOPBACK)) {
        Socket sender = new Socket(LOOPBACK, relayListener.getLocalPort());
        Socket relayIn = relayListener.accept();
        Socket relayOut = new Socket(LOOPBACK, receiverListener.getLocalPort());
        Socket receiver = receiverListener.accept();
        return tuned(sender, relayIn, relayOut, receiver);
      }
    }

    static Hop ofChannels() throws IOException {
      try (ServerSocketChannel relayListener = listen();
          ServerSocketChannel receiverListener = listen()) {
        SocketChannel sender = SocketChannel.open(relayListener.getLocalAddress());
        SocketChannel relayIn = relayListener.accept();
        SocketChannel relayOut = SocketChannel.open(receiverListener.getLocalAddress());
        SocketChannel receiver = receiverListener.accept();
        return tuned(sender.socket(), relayIn.socket(), relayOut.socket(), receiver.socket());
      }
    }

    private static ServerSocketChannel listen() throws IOException {
      return ServerSocketChannel.open().bind(new InetSocketAddress(LOOPBACK, 0), 1);
    }

    private static Hop tuned(Socket sender, Socket relayIn, Socket relayOut, Socket receiver)
        throws IOException {
      for (Socket socket : new Socket[] {sender, relayIn, relayOut, receiver}) {
        socket.setTcpNoDelay(true);
      }
      return new Hop(sender, relayIn, relayOut, receiver);
    }
  }
}

package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A splice between two real socket pairs on loopback: {@code left <-> [a | splice | b] <-> right}.
 */
@Timeout(20)
class SpliceE2ETest {
  private Socket left;
  private Socket a;
  private Socket b;
  private Socket right;
  private CompletableFuture<Splice.Result> splice;

  @AfterEach
  void closeAll() throws IOException {
    for (Socket socket : new Socket[] {left, a, b, right}) {
      if (socket != null) {
        socket.close();
      }
    }
  }

  private void connect() throws IOException {
    connect(Splice.Side::of);
  }

  /** The same, with side b made by {@code sideB} (a layered side, say). */
  private void connect(SideOf sideB) throws IOException {
    Socket[] first = pair();
    Socket[] second = pair();
    left = first[0];
    a = first[1];
    b = second[0];
    right = second[1];
    splice = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                splice.complete(Splice.run(Splice.Side.of(a), sideB.of(b), "test"));
              } catch (IOException e) {
                splice.completeExceptionally(e);
              }
            });
  }

  @FunctionalInterface
  private interface SideOf {
    Splice.Side of(Socket socket) throws IOException;
  }

  /**
   * A side layered on its socket (a relay circuit's sealed records) ends its output its own way:
   * once what came before, bulk data through the large buffer included, has been written, and only
   * once.
   */
  @Test
  void aLayeredSideEndsItsOutputItsOwnWayAfterEverythingBefore() throws Exception {
    byte[] trailer = "END".getBytes(StandardCharsets.UTF_8);
    AtomicInteger ends = new AtomicInteger();
    connect(
        socket ->
            Splice.Side.layered(
                socket,
                socket.getInputStream(),
                socket.getOutputStream(),
                () -> {
                  ends.incrementAndGet();
                  socket.getOutputStream().write(trailer);
                  socket.shutdownOutput();
                }));
    byte[] up = new byte[1 << 20];
    new Random(3).nextBytes(up);
    CompletableFuture<byte[]> atRight = readAllAsync(right);
    writeAndCloseAsync(left, up);

    byte[] received = atRight.get(10, TimeUnit.SECONDS);
    assertThat(Arrays.copyOf(received, up.length)).isEqualTo(up);
    assertThat(Arrays.copyOfRange(received, up.length, received.length)).isEqualTo(trailer);
    right.shutdownOutput();
    assertThat(splice.get(5, TimeUnit.SECONDS).aToB()).isEqualTo(up.length);
    assertThat(ends.get()).isEqualTo(1);
  }

  /** A direction whose source had ended before it started ends the other side's output at once. */
  @Test
  void aSourceThatEndedBeforeTheStartEndsTheOtherSidesOutput() throws Exception {
    Socket[] first = pair();
    Socket[] second = pair();
    left = first[0];
    a = first[1];
    b = second[0];
    right = second[1];
    AtomicInteger ends = new AtomicInteger();
    Splice.Side sideA =
        Splice.Side.layered(
            a,
            a.getInputStream(),
            a.getOutputStream(),
            () -> {
              ends.incrementAndGet();
              a.shutdownOutput();
            });
    Splice between = Splice.between(sideA, Splice.Side.of(b), "test", () -> {});
    between.copyBToA(new byte[0], -1);
    assertThat(left.getInputStream().read()).isEqualTo(-1);
    assertThat(ends.get()).isEqualTo(1);
    assertThat(between.result().bToA()).isZero();
  }

  @Test
  void halfCloseFromEitherSideIsForwardedAndTheOtherDirectionKeepsFlowing() throws Exception {
    connect();
    left.getOutputStream().write("request".getBytes(StandardCharsets.UTF_8));
    left.shutdownOutput();

    InputStream atRight = right.getInputStream();
    assertThat(new String(atRight.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("request");

    // The right side saw EOF but can still answer, and its own EOF reaches the left side.
    right.getOutputStream().write("response".getBytes(StandardCharsets.UTF_8));
    right.shutdownOutput();
    assertThat(new String(left.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("response");

    Splice.Result result = splice.get(5, TimeUnit.SECONDS);
    assertThat(result.aToB()).isEqualTo(7);
    assertThat(result.bToA()).isEqualTo(8);
    assertThat(a.isClosed()).isTrue();
    assertThat(b.isClosed()).isTrue();
  }

  @Test
  void aResetOnOneSideEndsBothDirections() throws Exception {
    connect();
    right.setSoLinger(true, 0);
    right.close();
    // The left side is not left hanging: it sees the end of its stream.
    assertThat(left.getInputStream().read()).isEqualTo(-1);
    splice.get(5, TimeUnit.SECONDS);
  }

  /**
   * A message is forwarded as soon as it arrives, whatever its size: in particular one that exactly
   * fills the small buffer a quiet direction waits with, after which nothing more comes until the
   * answer.
   */
  @Test
  void everyMessageSizeIsForwardedWithoutWaitingForMore() throws Exception {
    connect();
    Thread echo = Thread.ofVirtual().start(() -> echo(right));
    int small = Splice.SMALL_BUFFER_BYTES;
    Random random = new Random(7);
    left.setSoTimeout(5_000);
    for (int size :
        new int[] {1, small - 1, small, small + 1, 2 * small, 65_536, 65_537, 300_000}) {
      byte[] sent = new byte[size];
      random.nextBytes(sent);
      left.getOutputStream().write(sent);
      assertThat(left.getInputStream().readNBytes(size)).as("%d bytes", size).isEqualTo(sent);
    }
    left.shutdownOutput();
    assertThat(left.getInputStream().read()).isEqualTo(-1);
    echo.join();
  }

  @Test
  void bulkDataArrivesIntactInBothDirectionsAtOnce() throws Exception {
    connect();
    byte[] up = new byte[8 << 20];
    byte[] down = new byte[6 << 20];
    new Random(1).nextBytes(up);
    new Random(2).nextBytes(down);
    CompletableFuture<byte[]> atRight = readAllAsync(right);
    CompletableFuture<byte[]> atLeft = readAllAsync(left);
    writeAndCloseAsync(left, up);
    writeAndCloseAsync(right, down);
    assertThat(atRight.get(10, TimeUnit.SECONDS)).isEqualTo(up);
    assertThat(atLeft.get(10, TimeUnit.SECONDS)).isEqualTo(down);
    assertThat(splice.get(5, TimeUnit.SECONDS))
        .isEqualTo(new Splice.Result(up.length, down.length));
  }

  private static void echo(Socket socket) {
    try {
      socket.getInputStream().transferTo(socket.getOutputStream());
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CompletableFuture<byte[]> readAllAsync(Socket socket) {
    CompletableFuture<byte[]> bytes = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                bytes.complete(socket.getInputStream().readAllBytes());
              } catch (IOException e) {
                bytes.completeExceptionally(e);
              }
            });
    return bytes;
  }

  private static void writeAndCloseAsync(Socket socket, byte[] bytes) {
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                socket.getOutputStream().write(bytes);
                socket.shutdownOutput();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
  }

  private static Socket[] pair() throws IOException {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
      return new Socket[] {client, listener.accept()};
    }
  }
}

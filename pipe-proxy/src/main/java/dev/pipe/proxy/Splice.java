package dev.pipe.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes both ways between two sockets until both directions have ended, then closes both.
 *
 * <p>Half-close is forwarded: when one side shuts down its output, the other side's output is shut
 * down too and the opposite direction keeps flowing, so a user that sends a request and half-closes
 * still receives the whole response. An error in either direction (a reset, a close from outside)
 * ends both directions at once.
 */
public final class Splice {
  /** Per direction; large enough for full-speed loopback copies, small enough to hold thousands. */
  static final int BUFFER_BYTES = 32 * 1024;

  private static final Logger log = LoggerFactory.getLogger(Splice.class);

  /** Tells a side that no more bytes will come. */
  @FunctionalInterface
  public interface EndOfOutput {
    void send() throws IOException;
  }

  /**
   * One end of a splice: its socket, the streams its bytes are read through and written to, how it
   * is told that the other side has finished, and where the bytes read from it are counted.
   */
  public record Side(
      Socket socket, InputStream in, OutputStream out, EndOfOutput endOfOutput, ByteCounter reads) {
    /** Reads the socket directly. */
    public static Side of(Socket socket) throws IOException {
      return of(socket, socket.getInputStream());
    }

    /** Reads the socket through {@code in}, for example a rate-limited wrapper of its stream. */
    public static Side of(Socket socket, InputStream in) throws IOException {
      return new Side(
          socket, in, socket.getOutputStream(), socket::shutdownOutput, ByteCounter.NONE);
    }

    /**
     * Reads and writes through a protocol layered on the socket (a relay circuit's sealed records),
     * which has its own way to say that the stream ends before the TCP half-close.
     */
    public static Side layered(
        Socket socket, InputStream in, OutputStream out, EndOfOutput endOfOutput) {
      return new Side(socket, in, out, endOfOutput, ByteCounter.NONE);
    }

    /** The same side, with every byte read from it (and written to the other) counted. */
    public Side counting(ByteCounter counter) {
      return new Side(socket, in, out, endOfOutput, counter);
    }
  }

  /** Bytes copied in each direction. */
  public record Result(long aToB, long bToA) {}

  private Splice() {}

  /**
   * Runs the splice on the calling thread and one virtual thread; returns when both directions have
   * ended. Both sockets are closed on return.
   */
  public static Result run(Side a, Side b, String name) {
    long[] bToA = new long[1];
    Thread reverse = Thread.ofVirtual().name(name + "-b>a").start(() -> bToA[0] = copy(b, a, name));
    long aToB = copy(a, b, name);
    try {
      reverse.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      Sockets.closeQuietly(a.socket());
      Sockets.closeQuietly(b.socket());
    }
    return new Result(aToB, bToA[0]);
  }

  private static long copy(Side from, Side to, String name) {
    byte[] buffer = new byte[BUFFER_BYTES];
    long total = 0;
    try {
      int n;
      while ((n = from.in().read(buffer)) >= 0) {
        to.out().write(buffer, 0, n);
        from.reads().add(n);
        total += n;
      }
      to.endOfOutput().send();
    } catch (IOException e) {
      log.debug("splice {} ended: {}", name, e.toString());
      Sockets.closeQuietly(from.socket());
      Sockets.closeQuietly(to.socket());
    }
    return total;
  }
}

package dev.pipe.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes both ways between two sockets until both directions have ended, then closes both.
 *
 * <p>Half-close is forwarded: when one side shuts down its output, the other side's output is shut
 * down too and the opposite direction keeps flowing, so a user that sends a request and half-closes
 * still receives the whole response. An error in either direction (a reset, a close from outside)
 * ends both directions at once.
 *
 * <p>Each direction runs on a thread the caller chooses ({@link #copyAToB}, {@link #copyBToA}), or
 * {@link #run} runs both. A direction waits with a 512-byte buffer and borrows a large one only
 * while data keeps coming, so that the thousands of connections a tunnel holds idle pin no large
 * buffers.
 */
public final class Splice {
  /** What a direction reads into while traffic is light, and all a quiet connection keeps. */
  static final int SMALL_BUFFER_BYTES = 512;

  /**
   * Lent to a direction once a read fills its small buffer, and taken back when a read drains the
   * socket (it is about to wait). 64 KiB moves loopback bulk data at full speed; 256 spares serve a
   * busy server without a new allocation per burst.
   */
  private static final BulkBuffers BULK = new BulkBuffers(64 * 1024, 256);

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

  private final Side a;
  private final Side b;
  private final String name;
  private final Runnable onEnd;
  private final AtomicInteger running = new AtomicInteger(2);
  private volatile long aToB;
  private volatile long bToA;

  private Splice(Side a, Side b, String name, Runnable onEnd) {
    this.a = a;
    this.b = b;
    this.name = name;
    this.onEnd = onEnd;
  }

  /**
   * A splice whose two directions the caller runs, each on a thread of its own. When the second
   * direction ends, both sockets are closed and {@code onEnd} runs, once.
   */
  public static Splice between(Side a, Side b, String name, Runnable onEnd) {
    return new Splice(a, b, name, onEnd);
  }

  /**
   * Runs both directions, b to a on a new virtual thread and a to b on the calling thread, and
   * returns when both have ended. Both sockets are closed on return.
   */
  public static Result run(Side a, Side b, String name) {
    Splice splice = between(a, b, name, () -> {});
    Thread reverse = Thread.ofVirtual().name(name + "-b>a").start(splice::copyBToA);
    splice.copyAToB();
    try {
      reverse.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      splice.closeBoth();
    }
    return splice.result();
  }

  /** Copies from a to b on the calling thread until a ends or either side fails. */
  public void copyAToB() {
    aToB = copy(a, b, null, 0);
    finish();
  }

  /** Copies from b to a on the calling thread until b ends or either side fails. */
  public void copyBToA() {
    bToA = copy(b, a, null, 0);
    finish();
  }

  /**
   * The same, for a caller that has read the first {@code length} bytes of b already ({@code -1}: b
   * had already ended).
   */
  public void copyBToA(byte[] first, int length) {
    bToA = copy(b, a, first, length);
    finish();
  }

  /** Ends the b-to-a direction without copying: b failed before it could start. */
  public void failBToA() {
    closeBoth();
    finish();
  }

  public Result result() {
    return new Result(aToB, bToA);
  }

  /**
   * Copies until {@code from} ends. Most connections are quiet most of the time, so a direction
   * waits with a small buffer and borrows a large one only while data keeps coming.
   */
  private long copy(Side from, Side to, byte[] first, int firstLength) {
    InputStream in = from.in();
    byte[] small = new byte[SMALL_BUFFER_BYTES];
    byte[] buffer = small;
    long total = 0;
    try {
      if (firstLength < 0) {
        to.endOfOutput().send();
        return 0;
      }
      if (firstLength > 0) {
        to.out().write(first, 0, firstLength);
        from.reads().add(firstLength);
        total += firstLength;
      }
      int n;
      while ((n = in.read(buffer)) >= 0) {
        if (buffer == small && n == small.length) {
          buffer = BULK.borrow();
          System.arraycopy(small, 0, buffer, 0, n);
          n += readAvailable(in, buffer, n);
        }
        to.out().write(buffer, 0, n);
        from.reads().add(n);
        total += n;
        if (buffer != small && n < buffer.length) {
          BULK.giveBack(buffer);
          buffer = small;
        }
      }
      to.endOfOutput().send();
    } catch (IOException e) {
      log.debug("splice {} ended: {}", name, e.toString());
      closeBoth();
    } finally {
      if (buffer != small) {
        BULK.giveBack(buffer);
      }
    }
    return total;
  }

  /** Reads what has already arrived, without waiting: a message may end exactly here. */
  private static int readAvailable(InputStream in, byte[] buffer, int offset) throws IOException {
    int available = Math.min(in.available(), buffer.length - offset);
    if (available <= 0) {
      return 0;
    }
    return Math.max(0, in.read(buffer, offset, available));
  }

  private void finish() {
    if (running.decrementAndGet() == 0) {
      closeBoth();
      onEnd.run();
    }
  }

  private void closeBoth() {
    Sockets.closeQuietly(a.socket());
    Sockets.closeQuietly(b.socket());
  }
}

package dev.pipe.proto;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A socket that carries frames: one reader, any number of writers. Writes are serialized with a
 * lock rather than {@code synchronized} so a writer blocked in the kernel does not pin its carrier
 * thread, and a writer that cannot get the lock within the send timeout closes the channel: a peer
 * that stopped reading must not stall every thread that wants to talk to it.
 */
public final class ControlChannel implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final int maxFrameBytes;

  /** A channel that accepts frames up to {@code maxFrameBytes} from its peer. */
  public ControlChannel(Socket socket, int maxFrameBytes) throws IOException {
    this(socket, socket.getInputStream(), socket.getOutputStream(), maxFrameBytes);
  }

  public ControlChannel(Socket socket) throws IOException {
    this(socket, Limits.MAX_FRAME_BYTES);
  }

  /**
   * Frames up to {@code maxFrameBytes} read from {@code in} and written to {@code out}, which wrap
   * the socket's own streams (a buffer, a rate limit); the socket gives the timeouts, the peer and
   * the close.
   */
  public ControlChannel(Socket socket, InputStream in, OutputStream out, int maxFrameBytes) {
    this.socket = socket;
    this.in = in;
    this.out = out;
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Sends one frame; safe to call from any thread. */
  public void send(Message message) throws IOException {
    byte[] frame = MessageCodec.encode(message);
    boolean locked;
    try {
      locked = writeLock.tryLock(Limits.SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to send");
    }
    if (!locked) {
      close();
      throw new IOException(
          "could not send to " + peer() + " within " + Limits.SEND_TIMEOUT.toMillis() + " ms");
    }
    try {
      out.write(frame);
    } finally {
      writeLock.unlock();
    }
  }

  /** Reads the next frame; only one thread may read. */
  public Message receive() throws IOException {
    return MessageCodec.read(in, maxFrameBytes);
  }

  /** Reads the next frame and insists that it is of the expected kind. */
  public <T extends Message> T receive(Class<T> expected) throws IOException {
    Message message = receive();
    if (!expected.isInstance(message)) {
      throw new ProtocolException(
          "expected "
              + expected.getSimpleName()
              + " but got "
              + message.getClass().getSimpleName()
              + " from "
              + peer());
    }
    return expected.cast(message);
  }

  /** A read that sees no frame for this long fails with a timeout; zero waits forever. */
  public void setReadTimeout(Duration timeout) throws IOException {
    socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
  }

  public Socket socket() {
    return socket;
  }

  /** The peer as {@code host:port}, for log lines. */
  public String peer() {
    return describe(socket.getRemoteSocketAddress());
  }

  /** {@code host:port} without the slash that {@link InetSocketAddress#toString()} adds. */
  public static String describe(SocketAddress address) {
    return address instanceof InetSocketAddress inet
        ? inet.getHostString() + ":" + inet.getPort()
        : String.valueOf(address);
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing is how we end the connection; a failure to close changes nothing for the caller.
    }
  }
}

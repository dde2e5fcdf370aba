package dev.pipe.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What an HTTP connection reads from a pooled data connection it was given: the bytes its watcher
 * read first (the watcher was blocked reading while the connection idled in the pool, see {@link
 * PooledConnection}), then the socket's own stream. The first read waits for the watcher no longer
 * than the socket's read timeout, as a read of the socket would.
 */
final class PooledInput extends InputStream implements PooledConnection.Reader {
  private final Socket socket;
  private final CountDownLatch read = new CountDownLatch(1);
  private volatile byte[] first;
  private volatile int length;
  private volatile boolean failed;
  private int position;

  PooledInput(Socket socket) {
    this.socket = socket;
  }

  @Override
  public void firstBytes(byte[] bytes, int length) {
    this.first = bytes;
    this.length = length;
    read.countDown();
  }

  @Override
  public void failed() {
    failed = true;
    read.countDown();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] buffer, int offset, int count) throws IOException {
    awaitWatcher();
    if (failed) {
      throw new SocketException("the pooled data connection failed");
    }
    if (length < 0) {
      return -1;
    }
    if (position < length) {
      int n = Math.min(count, length - position);
      System.arraycopy(first, position, buffer, offset, n);
      position += n;
      return n;
    }
    return socket.getInputStream().read(buffer, offset, count);
  }

  @Override
  public int available() throws IOException {
    if (read.getCount() > 0 || failed || length < 0) {
      return 0;
    }
    return position < length ? length - position : socket.getInputStream().available();
  }

  private void awaitWatcher() throws IOException {
    int timeout = socket.getSoTimeout();
    try {
      if (timeout == 0) {
        read.await();
      } else if (!read.await(timeout, TimeUnit.MILLISECONDS)) {
        throw new SocketTimeoutException("no answer within " + timeout + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the answer");
    }
  }
}

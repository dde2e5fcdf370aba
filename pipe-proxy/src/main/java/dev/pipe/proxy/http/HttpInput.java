package dev.pipe.proxy.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One direction of an HTTP connection, read through a buffer: head lines, then body bytes, and
 * after a protocol upgrade the raw rest, buffered bytes first. Not thread-safe: one reader.
 */
public final class HttpInput extends InputStream {
  private final InputStream in;
  private final byte[] buffer;
  private int position;
  private int limit;

  public HttpInput(InputStream in, int bufferBytes) {
    this.in = in;
    this.buffer = new byte[bufferBytes];
  }

  /** Bytes read from the socket but not yet taken: the next read returns them without waiting. */
  public int buffered() {
    return limit - position;
  }

  /** Waits until at least one byte can be read; false at the end of the stream. */
  public boolean awaitData() throws IOException {
    return buffered() > 0 || fill() > 0;
  }

  /**
   * One line without its line end (CRLF, or a bare LF), decoded as ISO-8859-1 so that every byte is
   * one char; null at the end of the stream before any byte of the line.
   *
   * @throws HttpException 431 when the line is longer than {@code maxBytes}; 400 when the stream
   *     ends inside the line
   */
  String readLine(int maxBytes) throws IOException {
    StringBuilder line = null;
    while (true) {
      if (buffered() == 0 && fill() <= 0) {
        if (line == null) {
          return null;
        }
        throw new HttpException(400, "the connection ended in the middle of a line");
      }
      if (line == null) {
        line = new StringBuilder();
      }
      int start = position;
      while (position < limit && buffer[position] != '\n') {
        position++;
      }
      int taken = position - start;
      if (line.length() + taken > maxBytes) {
        throw new HttpException(431, "a line is longer than " + maxBytes + " bytes");
      }
      line.append(new String(buffer, start, taken, StandardCharsets.ISO_8859_1));
      if (position < limit) {
        position++;
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r'
            ? line.substring(0, end - 1)
            : line.toString();
      }
    }
  }

  @Override
  public int read() throws IOException {
    if (buffered() == 0 && fill() <= 0) {
      return -1;
    }
    return buffer[position++] & 0xff;
  }

  @Override
  public int read(byte[] target, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    if (buffered() == 0) {
      if (length >= buffer.length) {
        return in.read(target, offset, length);
      }
      if (fill() <= 0) {
        return -1;
      }
    }
    int n = Math.min(length, buffered());
    System.arraycopy(buffer, position, target, offset, n);
    position += n;
    return n;
  }

  @Override
  public int available() throws IOException {
    return buffered() + in.available();
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private int fill() throws IOException {
    position = 0;
    limit = 0;
    int n = in.read(buffer, 0, buffer.length);
    if (n > 0) {
      limit = n;
    }
    return n;
  }
}

package dev.pipe.proxy.http;

import dev.pipe.proxy.ByteCounter;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Copies one message body from an {@link HttpInput} to the next hop, as its {@link BodyLength}
 * frames it. Chunks are written out again in canonical form (size in lowercase hex, no extensions,
 * CRLF), so the next hop parses exactly the chunks this side parsed. The output is flushed whenever
 * the input has nothing buffered, so a response that streams slowly (server-sent events, say) is
 * not held back.
 */
public final class BodyCopy {
  /** Longest chunk-size line, extensions included. */
  static final int MAX_CHUNK_LINE_BYTES = 4_096;

  private final HttpInput in;
  private final OutputStream out;
  private final ByteCounter counter;
  private final byte[] buffer;
  private final HeadLimits trailerLimits;
  private final int errorStatus;

  /**
   * @param errorStatus the status of a malformed body: 400 when it comes from a user, 502 from a
   *     local service
   */
  public BodyCopy(
      HttpInput in,
      OutputStream out,
      ByteCounter counter,
      byte[] buffer,
      HeadLimits trailerLimits,
      int errorStatus) {
    this.in = in;
    this.out = out;
    this.counter = counter;
    this.buffer = buffer;
    this.trailerLimits = trailerLimits;
    this.errorStatus = errorStatus;
  }

  /** Copies the body; returns once it has been written and flushed. */
  public void copy(BodyLength length) throws IOException {
    copyHeld(length);
    out.flush();
  }

  /**
   * Copies the body but leaves its last bytes in the output's buffer: the caller flushes them once
   * it has done what must be done before the next hop can see the body end.
   */
  public void copyHeld(BodyLength length) throws IOException {
    switch (length) {
      case BodyLength.None none -> {
        // Nothing follows the head.
      }
      case BodyLength.Fixed fixed -> exactly(fixed.bytes());
      case BodyLength.Chunked chunked -> chunks();
      case BodyLength.UntilClose untilClose -> untilClose();
    }
  }

  private void exactly(long bytes) throws IOException {
    long left = bytes;
    while (left > 0) {
      flushIfIdle();
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("the body ended " + left + " bytes before its Content-Length");
      }
      write(buffer, n);
      left -= n;
    }
  }

  private void chunks() throws IOException {
    while (true) {
      flushIfIdle();
      long size = chunkSize(line(MAX_CHUNK_LINE_BYTES));
      writeText(Long.toHexString(size) + "\r\n");
      if (size == 0) {
        HeadParser.Budget budget = new HeadParser.Budget(trailerLimits.maxBytes());
        Headers trailers;
        try {
          trailers = HeadParser.fields(in, budget, trailerLimits);
        } catch (HttpException e) {
          throw new HttpException(errorStatus, "bad trailers of a chunked body: " + e.getMessage());
        }
        StringBuilder text = new StringBuilder();
        trailers.appendTo(text);
        writeText(text.append("\r\n").toString());
        return;
      }
      exactly(size);
      if (!line(2).isEmpty()) {
        throw new HttpException(errorStatus, "a chunk is longer than its size says");
      }
      writeText("\r\n");
    }
  }

  private void untilClose() throws IOException {
    while (true) {
      flushIfIdle();
      int n = in.read(buffer, 0, buffer.length);
      if (n < 0) {
        return;
      }
      write(buffer, n);
    }
  }

  private String line(int maxBytes) throws IOException {
    String line;
    try {
      line = in.readLine(maxBytes);
    } catch (HttpException e) {
      throw new HttpException(errorStatus, "bad chunked body: " + e.getMessage());
    }
    if (line == null) {
      throw new EOFException("the connection ended inside a chunked body");
    }
    return line;
  }

  private long chunkSize(String line) throws HttpException {
    int end = 0;
    while (end < line.length() && Character.digit(line.charAt(end), 16) >= 0) {
      end++;
    }
    String rest = line.substring(end).stripLeading();
    if (end == 0 || end > 15 || !(rest.isEmpty() || rest.startsWith(";"))) {
      throw new HttpException(errorStatus, "bad chunk size line in a chunked body");
    }
    return Long.parseLong(line.substring(0, end), 16);
  }

  private void write(byte[] bytes, int length) throws IOException {
    out.write(bytes, 0, length);
    counter.add(length);
  }

  private void writeText(String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
    write(bytes, bytes.length);
  }

  private void flushIfIdle() throws IOException {
    if (in.buffered() == 0) {
      out.flush();
    }
  }
}

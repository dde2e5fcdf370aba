package dev.pipe.relay;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Reads the records a {@link SealedOutputStream} wrote and hands out their payloads. A record that
 * fails authentication, or a length out of bounds, ends the stream with a {@link
 * CircuitIntegrityException}; the connection closing before the end record ends it with an {@link
 * EOFException} (a cut). Either failure is kept for {@link #failure()}, so that whoever ran the
 * copy loop can report why the circuit ended.
 */
public final class SealedInputStream extends InputStream {
  private final InputStream in;
  private final RecordCipher cipher;
  private final byte[] header = new byte[SealedOutputStream.HEADER_BYTES];
  private final byte[] record = new byte[SealedOutputStream.MAX_SEALED_BYTES];
  private final byte[] plain = new byte[SealedOutputStream.MAX_SEALED_BYTES];
  private int position;
  private int limit;
  private boolean ended;
  private volatile IOException failure;

  SealedInputStream(InputStream in, RecordCipher cipher) {
    this.in = in;
    this.cipher = cipher;
  }

  /** Why the stream failed, if it did: an integrity error or a cut. */
  public Optional<IOException> failure() {
    return Optional.ofNullable(failure);
  }

  /**
   * The payload left of the record already opened: what the splice may take without waiting, so
   * that it forwards a record in one write instead of its first bytes and then the rest.
   */
  @Override
  public int available() {
    return limit - position;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] bytes, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    while (position == limit) {
      if (ended || !nextRecord()) {
        return -1;
      }
    }
    int n = Math.min(length, limit - position);
    System.arraycopy(plain, position, bytes, offset, n);
    position += n;
    return n;
  }

  /** Reads and opens the next record; false at the end record. */
  private boolean nextRecord() throws IOException {
    if (in.readNBytes(header, 0, header.length) < header.length) {
      throw fail(
          new EOFException(
              "the circuit ended without its closing record: the relay or the network cut it"));
    }
    int sealedLength = (header[0] & 0xff) << 8 | header[1] & 0xff;
    if (sealedLength < 1 + RecordCipher.TAG_BYTES
        || sealedLength > SealedOutputStream.MAX_SEALED_BYTES) {
      throw fail(
          new CircuitIntegrityException(
              "a record claims "
                  + sealedLength
                  + " bytes, outside "
                  + (1 + RecordCipher.TAG_BYTES)
                  + "-"
                  + SealedOutputStream.MAX_SEALED_BYTES
                  + ": the stream was altered"));
    }
    if (in.readNBytes(record, 0, sealedLength) < sealedLength) {
      throw fail(new EOFException("the circuit was cut in the middle of a record"));
    }
    int plainLength;
    try {
      plainLength = cipher.open(header, record, 0, sealedLength, plain);
    } catch (CircuitIntegrityException e) {
      throw fail(e);
    }
    return switch (plain[0]) {
      case SealedOutputStream.DATA -> {
        position = 1;
        limit = plainLength;
        yield true;
      }
      case SealedOutputStream.END -> {
        ended = true;
        yield false;
      }
      default -> throw fail(new CircuitIntegrityException("a record of unknown type " + plain[0]));
    };
  }

  private IOException fail(IOException e) {
    failure = e;
    return e;
  }
}

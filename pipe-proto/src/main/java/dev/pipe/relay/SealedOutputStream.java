package dev.pipe.relay;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a circuit's bytes as sealed records, one per write of up to {@link #MAX_PAYLOAD_BYTES}
 * (nothing is held back, so a keystroke crosses the relay at once):
 *
 * <pre>
 * +----------------+----------------------------------------------+
 * | length         | AES-256-GCM( type (1 byte) ‖ payload ) ‖ tag  |
 * | 2 bytes, BE    | length bytes; the length is authenticated too |
 * +----------------+----------------------------------------------+
 * </pre>
 *
 * Type 0 carries data; type 1, empty, ends the stream ({@link #finish()}), so that the reader can
 * tell an end from a cut.
 */
public final class SealedOutputStream extends OutputStream {
  /** Largest payload per record. */
  public static final int MAX_PAYLOAD_BYTES = 16 * 1024;

  static final byte DATA = 0;
  static final byte END = 1;
  static final int HEADER_BYTES = 2;
  static final int MAX_SEALED_BYTES = 1 + MAX_PAYLOAD_BYTES + RecordCipher.TAG_BYTES;

  private final OutputStream out;
  private final RecordCipher cipher;
  private final byte[] plain = new byte[1 + MAX_PAYLOAD_BYTES];
  private final byte[] header = new byte[HEADER_BYTES];
  private final byte[] record = new byte[HEADER_BYTES + MAX_SEALED_BYTES];
  private boolean finished;

  SealedOutputStream(OutputStream out, RecordCipher cipher) {
    this.out = out;
    this.cipher = cipher;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) throws IOException {
    if (finished) {
      throw new IOException("the circuit's output has ended; nothing more may be written");
    }
    while (length > 0) {
      int n = Math.min(length, MAX_PAYLOAD_BYTES);
      plain[0] = DATA;
      System.arraycopy(bytes, offset, plain, 1, n);
      seal(1 + n);
      offset += n;
      length -= n;
    }
  }

  /** Sends the end-of-stream record: the other end reads end of stream, not a cut. */
  public void finish() throws IOException {
    if (finished) {
      return;
    }
    plain[0] = END;
    seal(1);
    out.flush();
    finished = true;
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  private void seal(int plainLength) throws IOException {
    int sealedLength = plainLength + RecordCipher.TAG_BYTES;
    header[0] = (byte) (sealedLength >>> 8);
    header[1] = (byte) sealedLength;
    record[0] = header[0];
    record[1] = header[1];
    cipher.seal(header, plain, plainLength, record, HEADER_BYTES);
    out.write(record, 0, HEADER_BYTES + sealedLength);
  }
}

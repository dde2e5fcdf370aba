package dev.pipe.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The start of a TLS connection, read just far enough to learn which server name (SNI) the client
 * asks for, and kept byte for byte so it can be forwarded untouched: the connection is never
 * decrypted here. A ClientHello may span several records; at most {@code maxBytes} of them are
 * read, and every length field is checked against what is left before it is used.
 */
public record ClientHello(byte[] bytes, Optional<String> serverName) {
  private static final int RECORD_HEADER_BYTES = 5;
  private static final int MAX_RECORD_BYTES = 16_384;
  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int SERVER_NAME_EXTENSION = 0;
  private static final int HOST_NAME = 0;

  /** Not a TLS ClientHello, or one that breaks the limits. */
  public static final class Malformed extends IOException {
    private static final long serialVersionUID = 1L;
    private final boolean tooLarge;

    Malformed(String message) {
      this(message, false);
    }

    Malformed(String message, boolean tooLarge) {
      super(message);
      this.tooLarge = tooLarge;
    }

    /** True if it broke the size limit rather than the format. */
    public boolean tooLarge() {
      return tooLarge;
    }
  }

  /** Reads the records that hold the ClientHello; the stream is left at the byte after them. */
  public static ClientHello read(InputStream in, int maxBytes) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream(1_024);
    ByteArrayOutputStream handshake = new ByteArrayOutputStream(1_024);
    int needed = -1;
    while (needed < 0 || handshake.size() < needed) {
      byte[] header = readFully(in, RECORD_HEADER_BYTES);
      int length = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
      if (header[0] != HANDSHAKE || header[1] != 3 || length == 0 || length > MAX_RECORD_BYTES) {
        throw new Malformed("not a TLS handshake record");
      }
      if (raw.size() + RECORD_HEADER_BYTES + length > maxBytes) {
        throw new Malformed("the ClientHello is larger than " + maxBytes + " bytes", true);
      }
      byte[] fragment = readFully(in, length);
      raw.write(header);
      raw.write(fragment);
      handshake.write(fragment);
      if (needed < 0 && handshake.size() >= 4) {
        byte[] start = handshake.toByteArray();
        if (start[0] != CLIENT_HELLO) {
          throw new Malformed("the first handshake message is not a ClientHello");
        }
        needed = 4 + (((start[1] & 0xff) << 16) | ((start[2] & 0xff) << 8) | (start[3] & 0xff));
        if (needed > maxBytes) {
          throw new Malformed("the ClientHello is larger than " + maxBytes + " bytes", true);
        }
      }
    }
    ByteBuffer hello = ByteBuffer.wrap(handshake.toByteArray(), 4, needed - 4).slice();
    return new ClientHello(raw.toByteArray(), serverName(hello));
  }

  private static Optional<String> serverName(ByteBuffer hello) throws Malformed {
    skip(hello, 2 + 32); // legacy_version, random
    skip(hello, u8(hello)); // legacy_session_id
    skip(hello, u16(hello)); // cipher_suites
    skip(hello, u8(hello)); // legacy_compression_methods
    if (!hello.hasRemaining()) {
      return Optional.empty();
    }
    ByteBuffer extensions = slice(hello, u16(hello));
    while (extensions.hasRemaining()) {
      int type = u16(extensions);
      ByteBuffer data = slice(extensions, u16(extensions));
      if (type == SERVER_NAME_EXTENSION) {
        ByteBuffer names = slice(data, u16(data));
        while (names.hasRemaining()) {
          int nameType = u8(names);
          ByteBuffer name = slice(names, u16(names));
          if (nameType == HOST_NAME) {
            byte[] bytes = new byte[name.remaining()];
            name.get(bytes);
            return Optional.of(new String(bytes, StandardCharsets.ISO_8859_1));
          }
        }
      }
    }
    return Optional.empty();
  }

  private static byte[] readFully(InputStream in, int length) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException("the connection ended inside the ClientHello");
    }
    return bytes;
  }

  private static int u8(ByteBuffer buffer) throws Malformed {
    need(buffer, 1);
    return buffer.get() & 0xff;
  }

  private static int u16(ByteBuffer buffer) throws Malformed {
    need(buffer, 2);
    return buffer.getShort() & 0xffff;
  }

  private static void skip(ByteBuffer buffer, int length) throws Malformed {
    need(buffer, length);
    buffer.position(buffer.position() + length);
  }

  private static ByteBuffer slice(ByteBuffer buffer, int length) throws Malformed {
    need(buffer, length);
    ByteBuffer part = buffer.slice(buffer.position(), length);
    buffer.position(buffer.position() + length);
    return part;
  }

  private static void need(ByteBuffer buffer, int length) throws Malformed {
    if (buffer.remaining() < length) {
      throw new Malformed("a length in the ClientHello points past its end");
    }
  }
}

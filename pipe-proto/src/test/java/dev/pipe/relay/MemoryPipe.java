package dev.pipe.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One direction of a connection in memory, for tests without sockets: what is written to {@link
 * #out} is read from {@link #in}, and closing {@code out} is end of stream. It can play a relay
 * that flips one byte at a chosen offset.
 */
final class MemoryPipe {
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
  private final long flipAt;
  private long written;

  /** A faithful pipe. */
  MemoryPipe() {
    this(-1);
  }

  /** A pipe that flips the lowest bit of the byte at {@code flipAt} (counting from 0). */
  MemoryPipe(long flipAt) {
    this.flipAt = flipAt;
  }

  final OutputStream out =
      new OutputStream() {
        @Override
        public void write(int b) {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
          byte[] chunk = Arrays.copyOfRange(bytes, offset, offset + length);
          if (flipAt >= written && flipAt < written + length) {
            chunk[(int) (flipAt - written)] ^= 1;
          }
          written += length;
          chunks.add(chunk);
        }

        @Override
        public void close() {
          end();
        }
      };

  /** End of stream for the reader, as when the writer's connection closes. */
  void end() {
    chunks.add(END);
  }

  final InputStream in =
      new InputStream() {
        private byte[] current = new byte[0];
        private int position;

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
          while (position == current.length) {
            if (current == END) {
              return -1;
            }
            try {
              current = chunks.take();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException("interrupted", e);
            }
            position = 0;
          }
          int n = Math.min(length, current.length - position);
          System.arraycopy(current, position, bytes, offset, n);
          position += n;
          return n;
        }
      };
}

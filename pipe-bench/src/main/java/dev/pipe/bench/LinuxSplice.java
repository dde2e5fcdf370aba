package dev.pipe.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Method;
import java.nio.channels.SocketChannel;

/**
 * Zero-copy relaying with Linux splice(2) through a kernel pipe, called with the FFM API: the
 * candidate Go tunnels get from io.Copy. The calls block the calling platform thread (a virtual
 * thread would pin its carrier), and need the file descriptors of JDK sockets, which only an {@code
 * --add-opens java.base/sun.nio.ch} reflection reaches.
 */
final class LinuxSplice {
  private static final int SPLICE_F_MOVE = 1;
  private static final int SPLICE_F_MORE = 4;
  private static final int O_CLOEXEC = 0x80000;
  private static final int F_SETPIPE_SZ = 1031;
  private static final int EINTR = 4;
  private static final int PIPE_BYTES = 1 << 20;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle SPLICE =
      downcall(
          "splice",
          FunctionDescriptor.of(
              JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
  private static final MethodHandle PIPE2 =
      downcall("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
  private static final MethodHandle FCNTL =
      downcall("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
  private static final MethodHandle CLOSE =
      downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  private LinuxSplice() {}

  private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
    MemorySegment symbol = LINKER.defaultLookup().find(name).orElseThrow();
    return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
  }

  /** The file descriptor behind a JDK socket channel. */
  static int fd(SocketChannel channel) throws ReflectiveOperationException {
    Method getFdVal = channel.getClass().getMethod("getFDVal");
    getFdVal.setAccessible(true);
    return (int) getFdVal.invoke(channel);
  }

  /** Moves bytes from {@code in} to {@code out} until {@code in} ends; returns the count. */
  static long relay(int in, int out) throws IOException {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      check((int) PIPE2.invokeExact(state, fds, O_CLOEXEC), state, "pipe2");
      int pipeRead = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
      int pipeWrite = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
      try {
        int ignoredIfRefused = (int) FCNTL.invokeExact(state, pipeWrite, F_SETPIPE_SZ, PIPE_BYTES);
        long total = 0;
        while (true) {
          long filled = splice(state, in, pipeWrite, PIPE_BYTES);
          if (filled == 0) {
            return total;
          }
          while (filled > 0) {
            long drained = splice(state, pipeRead, out, filled);
            filled -= drained;
            total += drained;
          }
        }
      } finally {
        int closedRead = (int) CLOSE.invokeExact(state, pipeRead);
        int closedWrite = (int) CLOSE.invokeExact(state, pipeWrite);
      }
    } catch (IOException e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("splice(2) call failed", e);
    }
  }

  private static long splice(MemorySegment state, int from, int to, long length) throws Throwable {
    while (true) {
      long n =
          (long)
              SPLICE.invokeExact(
                  state,
                  from,
                  MemorySegment.NULL,
                  to,
                  MemorySegment.NULL,
                  length,
                  SPLICE_F_MOVE | SPLICE_F_MORE);
      if (n >= 0) {
        return n;
      }
      int errno = (int) ERRNO.get(state, 0L);
      if (errno != EINTR) {
        throw new IOException("splice(2) failed, errno " + errno);
      }
    }
  }

  private static void check(int result, MemorySegment state, String call) throws IOException {
    if (result < 0) {
      throw new IOException(call + " failed, errno " + (int) ERRNO.get(state, 0L));
    }
  }
}

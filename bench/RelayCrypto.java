// What the end-to-end encryption of relay circuits costs, apart from everything else: the key
// derivation (once per process and tunnel), a circuit handshake, and one stream of bytes over a
// loopback connection, plain and sealed. Run by bench/relay-crypto.sh against the built jar.

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Secret;
import dev.pipe.relay.CircuitHandshake;
import dev.pipe.relay.RelayKeys;
import dev.pipe.relay.SealedStreams;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class RelayCrypto {
  static final long BYTES = 2L << 30;
  static final int WRITE = 32 * 1024;
  static final int HANDSHAKES = 200;

  /** A loopback connection: what one end writes to, what the other reads from. */
  record Ends(Socket visitor, Socket provider, OutputStream out, InputStream in) {}

  public static void main(String[] args) throws Exception {
    long start = System.nanoTime();
    RelayKeys keys = RelayKeys.derive("bench", Secret.of("a benchmark secret of some length"));
    System.out.printf("key derivation (PBKDF2, 600,000 rounds): %.0f ms%n", millis(start));
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String round : new String[] {"warm-up", "measured"}) {
        double plain = stream(connect(listener, threads, keys, false), threads);
        double sealed = stream(connect(listener, threads, keys, true), threads);
        long handshakes = System.nanoTime();
        for (int i = 0; i < HANDSHAKES; i++) {
          Ends ends = connect(listener, threads, keys, true);
          ends.visitor().close();
          ends.provider().close();
        }
        System.out.printf(
            "%s: one stream plain %.0f MB/s, sealed %.0f MB/s (%.2fx);"
                + " connect + circuit handshake %.2f ms%n",
            round, plain, sealed, sealed / plain, millis(handshakes) / HANDSHAKES);
      }
    }
  }

  static Ends connect(ServerSocket listener, ExecutorService threads, RelayKeys keys, boolean seal)
      throws Exception {
    Socket visitor = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
    Socket provider = listener.accept();
    visitor.setTcpNoDelay(true);
    provider.setTcpNoDelay(true);
    if (!seal) {
      return new Ends(visitor, provider, visitor.getOutputStream(), provider.getInputStream());
    }
    ConnectionId id = ConnectionId.random();
    Future<SealedStreams> answer =
        threads.submit(
            () ->
                CircuitHandshake.respond(
                    provider.getInputStream(), provider.getOutputStream(), keys, id));
    SealedStreams ours =
        CircuitHandshake.initiate(visitor.getInputStream(), visitor.getOutputStream(), keys, id);
    return new Ends(visitor, provider, ours.out(), answer.get().in());
  }

  /** Megabytes per second of one stream from one end to the other. */
  static double stream(Ends ends, ExecutorService threads) throws Exception {
    long start = System.nanoTime();
    Future<Long> received =
        threads.submit(
            () -> {
              byte[] buffer = new byte[WRITE];
              long total = 0;
              int n;
              while (total < BYTES && (n = ends.in().read(buffer)) >= 0) {
                total += n;
              }
              return total;
            });
    byte[] chunk = new byte[WRITE];
    for (long sent = 0; sent < BYTES; sent += WRITE) {
      ends.out().write(chunk);
    }
    ends.out().flush();
    long total = received.get();
    double seconds = (System.nanoTime() - start) / 1e9;
    ends.visitor().close();
    ends.provider().close();
    return total / seconds / 1e6;
  }

  static double millis(long since) {
    return (System.nanoTime() - since) / 1e6;
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.server.PipeServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tunnel limited to 1 MiB/s cannot deliver 4 MiB much faster than the limit allows. Only the
 * lower bound is asserted: Guava's limiter may hold up to one second of burst, so 4 MiB must take
 * at least (4 - 1) s, less 0.5 s of slack. How much slower it runs on a busy machine is not a
 * property of the limiter.
 */
@Timeout(60)
class BandwidthE2ETest {
  private static final long LIMIT = 1024 * 1024;
  private static final long SIZE = 4 * LIMIT;

  @Test
  void aLimitedTunnelStaysWithinItsLimit() throws Exception {
    try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client =
            RunningClient.start(
                server,
                new TunnelSpec(
                    "slow",
                    TunnelType.TCP,
                    new HostPort(LOOPBACK, sink.getLocalPort()),
                    0,
                    Optional.of(new Bandwidth(LIMIT)),
                    SourceFilter.ANY))) {
      CompletableFuture<Long> received = new CompletableFuture<>();
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket in = sink.accept()) {
                  received.complete(Fixture.receiveAll(in.getInputStream()).bytes());
                } catch (Exception e) {
                  received.completeExceptionally(e);
                }
              });
      int port = client.awaitReady("slow");
      long started = System.nanoTime();
      try (Socket user = Fixture.connect(port)) {
        Fixture.sendRandom(user, 5, SIZE);
        InputStream ignored = user.getInputStream();
        assertThat(received.get(50, TimeUnit.SECONDS)).isEqualTo(SIZE);
        assertThat(ignored.read()).isEqualTo(-1);
      }
      Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
      assertThat(elapsed).isGreaterThanOrEqualTo(Duration.ofMillis(2_500));
    }
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Bandwidth;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

  /**
   * The same limiter on a UDP tunnel, each direction on its own: 600 datagrams of 1,000 bytes at
   * 200,000 bytes per second, less the one second of burst the limiter may hold, take at least 2 s;
   * 0.5 s of slack gives the bound of 1.5 s asserted for each direction.
   */
  @Test
  void aLimitedUdpTunnelStaysWithinItsLimitBothWays() throws Exception {
    long limit = 200_000;
    int datagrams = 600;
    int size = 1_000;
    Duration bound = Duration.ofMillis(1_500);
    try (DatagramSocket service = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client =
            RunningClient.start(
                server,
                new TunnelSpec(
                    "slow-udp",
                    TunnelType.UDP,
                    new HostPort(LOOPBACK, service.getLocalPort()),
                    0,
                    Optional.of(new Bandwidth(limit)),
                    SourceFilter.ANY))) {
      // The service counts what reaches it and answers every one-byte datagram with 1,000 bytes.
      AtomicLong received = new AtomicLong();
      AtomicLong lastArrival = new AtomicLong();
      service.setReceiveBufferSize(4 * 1024 * 1024);
      Thread.ofVirtual()
          .start(
              () -> {
                DatagramPacket packet = new DatagramPacket(new byte[2 * size], 2 * size);
                while (!service.isClosed()) {
                  try {
                    service.receive(packet);
                    if (packet.getLength() == 1) {
                      service.send(
                          new DatagramPacket(new byte[size], size, packet.getSocketAddress()));
                    } else {
                      received.addAndGet(packet.getLength());
                      lastArrival.set(System.nanoTime());
                    }
                  } catch (IOException e) {
                    // closed at the end of the test
                  }
                }
              });
      try (UdpPeer peer = UdpPeer.to(client.awaitReady("slow-udp"))) {
        long started = System.nanoTime();
        for (int i = 0; i < datagrams; i++) {
          peer.send(new byte[size]);
        }
        Fixture.eventually(
            Duration.ofSeconds(30),
            "every datagram to reach the service",
            () -> received.get() == (long) datagrams * size);
        assertThat(Duration.ofNanos(lastArrival.get() - started))
            .as("towards the service")
            .isGreaterThanOrEqualTo(bound);

        started = System.nanoTime();
        for (int i = 0; i < datagrams; i++) {
          peer.send(new byte[1]);
          assertThat(peer.receive(Duration.ofSeconds(10))).hasSize(size);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .as("back from the service")
            .isGreaterThanOrEqualTo(bound);
      }
    }
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.RELAY_SECRET;
import static dev.pipe.e2e.Fixture.relay;
import static dev.pipe.e2e.Fixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.TunnelInfo;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Relay circuits in one JVM on loopback: a provider behind a relay tunnel, visitors reaching it
 * through the server, every byte intact and encrypted between the two.
 */
@Timeout(120)
class RelayE2ETest {
  private EchoServer echo;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    server =
        PipeServer.start(
            Fixture.serverConfig()
                .limits(limits -> limits.relay(r -> r.maxCircuitRate(0)))
                .build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  @Test
  void fourConcurrentCircuitsEachCarryEightMebibytesBothWays() throws Exception {
    try (RunningClient provider = RunningClient.start(server, relay("home-echo", echo.port()));
        RunningClient visitor = RunningClient.visit(server, visitor("home-echo", RELAY_SECRET));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      assertThat(provider.awaitReady("home-echo")).isZero();
      int port = visitor.awaitVisitor("home-echo");
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        results.add(threads.submit(TunnelE2ETest.echoRoundTrip(port, i, 8 * 1024 * 1024)));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
      TunnelInfo tunnel =
          server.tunnels().stream().filter(t -> t.name().equals("home-echo")).findFirst().get();
      assertThat(tunnel.type()).isEqualTo(TunnelType.RELAY);
      assertThat(tunnel.traffic().connectionsTotal()).isEqualTo(4);
      assertThat(tunnel.traffic().bytesIn())
          .as("sealed records are larger")
          .isGreaterThan(32L << 20);
    }
  }

  @Test
  void aHalfCloseCrossesTheCircuitAndTheServiceClosingIsEndOfStream() throws Exception {
    try (ServerSocket service = new ServerSocket(0, 50, java.net.InetAddress.getByName(LOOPBACK));
        RunningClient provider =
            RunningClient.start(server, relay("home-service", service.getLocalPort()));
        RunningClient visitor =
            RunningClient.visit(server, visitor("home-service", RELAY_SECRET))) {
      provider.awaitReady("home-service");
      int port = visitor.awaitVisitor("home-service");
      Thread serviceThread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Socket accepted = service.accept()) {
                      byte[] request = accepted.getInputStream().readAllBytes();
                      OutputStream out = accepted.getOutputStream();
                      out.write(
                          ("got " + request.length + " bytes").getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                  });
      try (Socket user = Fixture.connect(port)) {
        user.getOutputStream().write(new byte[100_000]);
        user.shutdownOutput();
        InputStream in = user.getInputStream();
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
            .isEqualTo("got 100000 bytes");
      }
      serviceThread.join(Duration.ofSeconds(10));
      assertThat(provider.notices()).isEmpty();
      assertThat(visitor.notices()).isEmpty();
    }
  }

  @Test
  void anOperatorSeesRelayTunnelsAndTheirCircuitsAndCanCloseOne() throws Exception {
    try (AdminFixture admin =
            AdminFixture.start(
                Fixture.serverConfig().limits(limits -> limits.relay(r -> r.maxCircuitRate(0))));
        RunningClient provider =
            RunningClient.start(admin.server, relay("home-echo", echo.port()));
        RunningClient visitor =
            RunningClient.visit(admin.server, visitor("home-echo", RELAY_SECRET));
        Socket circuit = Fixture.connect(port(provider, visitor))) {
      circuit.getOutputStream().write('x');
      assertThat(circuit.getInputStream().read()).isEqualTo('x');

      assertThat(admin.get("/api/tunnels").body())
          .contains("\"name\":\"home-echo\",\"type\":\"relay\",\"port\":0")
          .contains("\"connections\":1");
      String metrics = admin.get("/metrics", "Accept", "text/plain").body();
      assertThat(metrics)
          .contains("pipe_tunnels_open{type=\"relay\"} 1.0")
          .contains(
              "pipe_tunnel_connections_active{port=\"0\",tunnel=\"home-echo\",type=\"relay\"} 1.0");

      String id = admin.server.tunnels().getFirst().id();
      assertThat(admin.send("DELETE", "/api/tunnels/" + id + "?reason=maintenance").statusCode())
          .isEqualTo(200);
      assertThat(provider.awaitClosed("home-echo")).isEqualTo("maintenance");
      assertThat(circuit.getInputStream().read()).as("its circuit is cut").isEqualTo(-1);
      try (Socket refused = Fixture.connect(visitor.awaitVisitor("home-echo"))) {
        assertThat(refused.getInputStream().read()).isEqualTo(-1);
      }
      assertThat(visitor.awaitNotice("refused home-echo"))
          .contains("the provider is not connected to this server");
    }
  }

  private static int port(RunningClient provider, RunningClient visitor) throws Exception {
    provider.awaitReady("home-echo");
    return visitor.awaitVisitor("home-echo");
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static dev.pipe.e2e.Fixture.udp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.example.UdpEchoServer;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.UdpSessions;
import dev.pipe.server.PortRanges;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server's events as they show on /metrics: failures by reason, limits, tunnels by type. */
@Timeout(60)
class MetricsE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Duration REPLY = Duration.ofSeconds(2);

  /** The value of one sample line of the text format, or -1 if there is no such line. */
  private static double sample(AdminFixture admin, String series) throws Exception {
    String text = admin.get("/metrics", "Accept", "text/plain").body();
    Matcher value = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return value.find() ? Double.parseDouble(value.group(1)) : -1;
  }

  @Test
  void aWrongTokenCountsAsAHandshakeFailureByReason() throws Exception {
    try (AdminFixture admin = AdminFixture.start(Fixture.plainServerConfig());
        RawClient raw = RawClient.connect(admin.server.port())) {
      raw.socket.getOutputStream().write(raw.loginFrame(Secret.of("not-the-token")));
      assertThat(raw.channel.receive()).isInstanceOf(Message.Rejected.class);
      Fixture.eventually(
          WAIT,
          "the bad_token counter to reach 1",
          () ->
              unchecked(() -> sample(admin, "pipe_handshake_failures_total{reason=\"bad_token\"}"))
                  == 1);
      assertThat(sample(admin, "pipe_handshake_failures_total{reason=\"timeout\"}")).isZero();
    }
  }

  @Test
  void aPortOutsideAllowPortsCountsAsALimitRejection() throws Exception {
    try (AdminFixture admin =
            AdminFixture.start(Fixture.plainServerConfig().allowedPorts(PortRanges.parse("1024")));
        RawClient raw = RawClient.connect(admin.server.port())) {
      assertThat(raw.login()).isInstanceOf(Message.LoginAccepted.class);
      assertThat(raw.forward("web", 1025)).isInstanceOf(Message.ForwardRejected.class);
      assertThat(sample(admin, "pipe_limit_rejections_total{limit=\"allow_ports\"}")).isEqualTo(1);
      assertThat(sample(admin, "pipe_limit_rejections_total{limit=\"max_tunnels_per_client\"}"))
          .isZero();
    }
  }

  @Test
  void tunnelsAndClientsComeAndGoAndPerTunnelSeriesWithThem() throws Exception {
    try (EchoServer echo = EchoServer.start(LOOPBACK, 0);
        AdminFixture admin = AdminFixture.start()) {
      String bytes =
          "pipe_tunnel_bytes_total{direction=\"in\",port=\"%d\",tunnel=\"web\",type=\"tcp\"}";
      int port;
      try (RunningClient client = RunningClient.start(admin.server, tcp("web", echo.port(), 0))) {
        port = client.awaitReady("web");
        assertThat(sample(admin, "pipe_clients_connected")).isEqualTo(1);
        assertThat(sample(admin, "pipe_tunnels_open{type=\"tcp\"}")).isEqualTo(1);
        assertThat(sample(admin, bytes.formatted(port))).isZero();
      }
      Fixture.eventually(
          WAIT,
          "the client and its tunnel to leave the metrics",
          () -> unchecked(() -> sample(admin, "pipe_clients_connected")) == 0);
      assertThat(sample(admin, "pipe_tunnels_open{type=\"tcp\"}")).isZero();
      assertThat(sample(admin, "pipe_tunnels_opened_total{type=\"tcp\"}")).isEqualTo(1);
      assertThat(sample(admin, bytes.formatted(port)))
          .as("the closed tunnel's series is gone")
          .isEqualTo(-1);
    }
  }

  @Test
  void aUdpTunnelShowsAsUdpWithItsPeerSessionsAndBytes() throws Exception {
    try (UdpEchoServer echo = UdpEchoServer.start(LOOPBACK, 0);
        AdminFixture admin = AdminFixture.start()) {
      String series = "{%sport=\"%d\",tunnel=\"dns\",type=\"udp\"}";
      try (RunningClient client =
              RunningClient.start(
                  admin.server, udp("dns", echo.port(), 0, new UdpSessions(300, 8)));
          UdpPeer first = UdpPeer.to(client.awaitReady("dns"));
          UdpPeer second = UdpPeer.to(client.awaitReady("dns"))) {
        int port = client.awaitReady("dns");
        assertThat(sample(admin, "pipe_tunnels_open{type=\"udp\"}")).isEqualTo(1);
        assertThat(admin.get("/api/tunnels").body())
            .contains("\"name\":\"dns\"")
            .contains("\"type\":\"udp\"");
        assertThat(first.echoed("abc", REPLY)).isTrue();
        assertThat(second.echoed("defgh", REPLY)).isTrue();
        Fixture.eventually(
            WAIT,
            "8 bytes to go back to the peers",
            () ->
                unchecked(
                        () ->
                            sample(
                                admin,
                                "pipe_tunnel_bytes_total"
                                    + series.formatted("direction=\"out\",", port)))
                    == 8);
        assertThat(
                sample(
                    admin, "pipe_tunnel_bytes_total" + series.formatted("direction=\"in\",", port)))
            .isEqualTo(8);
        assertThat(sample(admin, "pipe_tunnel_connections_total" + series.formatted("", port)))
            .as("each peer session is a connection")
            .isEqualTo(2);
        assertThat(sample(admin, "pipe_connections_total{type=\"udp\"}")).isEqualTo(2);
        Fixture.eventually(
            WAIT,
            "the idle sessions to end",
            () ->
                unchecked(
                        () ->
                            sample(
                                admin,
                                "pipe_tunnel_connections_active" + series.formatted("", port)))
                    == 0);
      }
      Fixture.eventually(
          WAIT,
          "the tunnel to close",
          () -> unchecked(() -> sample(admin, "pipe_tunnels_open{type=\"udp\"}")) == 0);
      assertThat(sample(admin, "pipe_tunnels_opened_total{type=\"udp\"}")).isEqualTo(1);
    }
  }

  private interface Check {
    double get() throws Exception;
  }

  private static double unchecked(Check check) {
    try {
      return check.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

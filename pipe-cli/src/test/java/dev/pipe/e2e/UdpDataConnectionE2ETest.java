package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.udp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.UdpEchoServer;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A UDP tunnel's data connection driven by hand, as a broken or hostile client would: what the
 * frames look like on the wire, and that a malformed frame closes that connection and nothing else.
 */
@Timeout(60)
class UdpDataConnectionE2ETest {
  private static final Duration REPLY = Duration.ofSeconds(2);

  private UdpEchoServer echo;
  private PipeServer server;
  private RunningClient steady;
  private int steadyPort;

  @BeforeEach
  void start() throws Exception {
    echo = UdpEchoServer.start(LOOPBACK, 0);
    server = PipeServer.start(Fixture.plainServerConfig().build());
    steady = RunningClient.start(server, udp("steady", echo.port(), 0));
    steadyPort = steady.awaitReady("steady");
  }

  @AfterEach
  void stop() throws Exception {
    steady.close();
    server.close();
    echo.close();
  }

  static List<byte[]> malformedFrames() {
    return List.of(
        Fixture.frame(0x20, new byte[] {0, 0}),
        Fixture.header(0x20, 4 + 65_508),
        Fixture.header(0x20, Integer.MAX_VALUE),
        Fixture.frame(0x20, new byte[] {(byte) 0x80, 0, 0, 0, 'x'}),
        Fixture.header(0xee, 2),
        Fixture.frame(0x0c, "{}".getBytes(StandardCharsets.UTF_8)),
        MessageCodec.encode(new Message.SessionClosed(0)),
        "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @ParameterizedTest
  @MethodSource("malformedFrames")
  void aMalformedFrameClosesOnlyThatDataConnectionAndTheTunnelAsksForAnother(byte[] hostile)
      throws Exception {
    try (RawClient control = RawClient.connect(server.port())) {
      assertThat(control.login()).isInstanceOf(Message.LoginAccepted.class);
      int port = ((Message.ForwardAccepted) control.forward("raw", TunnelType.UDP, 0)).remotePort();
      Message.Exchange first = next(control.channel, Message.Exchange.class);
      RawClient[] data = new RawClient[2];
      try (UdpPeer peer = UdpPeer.to(port)) {
        assertThat(RawClient.dataLogin(server.port(), first.id(), data))
            .isInstanceOf(Message.DataAccepted.class);
        // A peer's datagram arrives as a binary frame; the answer goes back to that peer.
        peer.send("ping");
        Message.Datagram ping = data[0].channel.receive(Message.Datagram.class);
        assertThat(ping.payload()).asString(StandardCharsets.UTF_8).isEqualTo("ping");
        data[0].channel.send(new Message.Datagram(ping.session(), utf8("pong")));
        assertThat(peer.receive(REPLY)).asString(StandardCharsets.UTF_8).isEqualTo("pong");

        data[0].socket.getOutputStream().write(hostile);
        assertThat(Fixture.drainUntilClosed(data[0].socket.getInputStream())).isTrue();

        // The control connection lives on, and the server asks for a new data connection.
        Message.Exchange second = next(control.channel, Message.Exchange.class);
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(RawClient.dataLogin(server.port(), second.id(), data))
            .isInstanceOf(Message.DataAccepted.class);
        peer.send("again");
        assertThat(data[0].channel.receive(Message.Datagram.class).payload())
            .asString(StandardCharsets.UTF_8)
            .isEqualTo("again");
        assertThat(RawClient.dataLogin(server.port(), first.id(), new RawClient[1]))
            .as("the first id is used up")
            .isInstanceOfSatisfying(
                Message.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(RejectReason.UNKNOWN_CONNECTION));
      } finally {
        for (RawClient opened : data) {
          if (opened != null) {
            opened.close();
          }
        }
      }
    }
    try (UdpPeer other = UdpPeer.to(steadyPort)) {
      assertThat(other.echoed("the other tunnel never noticed", REPLY)).isTrue();
    }
  }

  @Test
  void aFrameForASessionTheServerNeverOpenedReachesNobodyAndHarmsNothing() throws Exception {
    try (RawClient control = RawClient.connect(server.port())) {
      control.login();
      int port = ((Message.ForwardAccepted) control.forward("raw", TunnelType.UDP, 0)).remotePort();
      Message.Exchange exchange = next(control.channel, Message.Exchange.class);
      RawClient[] data = new RawClient[1];
      try (UdpPeer peer = UdpPeer.to(port)) {
        RawClient.dataLogin(server.port(), exchange.id(), data);
        peer.send("hello");
        Message.Datagram hello = data[0].channel.receive(Message.Datagram.class);
        data[0].channel.send(new Message.Datagram(hello.session() + 1, utf8("not yours")));
        assertThat(peer.receive(Duration.ofMillis(300))).isNull();
        data[0].channel.send(new Message.Datagram(hello.session(), utf8("yours")));
        assertThat(peer.receive(REPLY)).asString(StandardCharsets.UTF_8).isEqualTo("yours");
      } finally {
        data[0].close();
      }
    }
  }

  /** The next frame of {@code type} on a control connection, skipping heartbeats. */
  private static <T extends Message> T next(ControlChannel channel, Class<T> type)
      throws IOException {
    while (true) {
      Message message = channel.receive();
      if (!(message instanceof Message.Heartbeat)) {
        return type.cast(message);
      }
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}

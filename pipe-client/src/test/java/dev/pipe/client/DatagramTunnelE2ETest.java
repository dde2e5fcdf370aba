package dev.pipe.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.config.HostPort;
import dev.pipe.example.UdpEchoServer;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Traffic;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The client's end of a UDP tunnel's data connection against a server driven by hand: datagrams
 * reach the local service and come back, and a malformed frame from the server ends that data
 * connection (the server then asks for a new one) without taking the client down.
 */
@Timeout(30)
class DatagramTunnelE2ETest {
  private static final Secret TOKEN = Secret.of("datagram-tunnel-test");

  private UdpEchoServer echo;
  private ServerSocket fakeServer;

  @BeforeEach
  void start() throws IOException {
    echo = UdpEchoServer.start("127.0.0.1", 0);
    fakeServer = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void stop() throws IOException {
    fakeServer.close();
    echo.close();
  }

  static List<byte[]> malformedFrames() {
    return List.of(
        ByteBuffer.allocate(7).put((byte) 0x20).putInt(2).putShort((short) 0).array(),
        MessageCodec.encode(new Message.Heartbeat()),
        ByteBuffer.allocate(5).put((byte) 0xee).putInt(0).array());
  }

  @ParameterizedTest
  @MethodSource("malformedFrames")
  void aMalformedFrameFromTheServerEndsOnlyThatDataConnection(byte[] hostile) throws Exception {
    TunnelSpec spec =
        new TunnelSpec("u", TunnelType.UDP, new HostPort("127.0.0.1", echo.port()), 0);
    ServerDialer dialer =
        new ServerDialer(
            new HostPort("127.0.0.1", fakeServer.getLocalPort()),
            TOKEN,
            ConnectionId.random().hex(),
            ClientTransport.plain());
    Traffic traffic = new Traffic();
    DatagramTunnel tunnel =
        new DatagramTunnel(spec, spec.udp().orElseThrow(), dialer, null, null, traffic);
    ConnectionId id = ConnectionId.random();
    Thread serving = Thread.ofVirtual().start(() -> tunnel.serve(id));
    try (Socket socket = fakeServer.accept()) {
      socket.setSoTimeout(10_000);
      ControlChannel server = new ControlChannel(socket);
      server.send(new Message.Hello(PipeVersion.PROTOCOL, "test", Proof.newNonce()));
      assertThat(server.receive(Message.DataLogin.class).id()).isEqualTo(id);
      server.send(new Message.DataAccepted(id));

      server.send(new Message.Datagram(3, "hi".getBytes(StandardCharsets.UTF_8)));
      Message.Datagram echoed = server.receive(Message.Datagram.class);
      assertThat(echoed.session()).isEqualTo(3);
      assertThat(echoed.payload()).asString(StandardCharsets.UTF_8).isEqualTo("hi");

      socket.getOutputStream().write(hostile);
      assertThat(closedByPeer(socket.getInputStream())).isTrue();
    }
    serving.join(Duration.ofSeconds(10));
    assertThat(serving.isAlive()).as("the data connection's thread ended").isFalse();
    assertThat(echo.peers()).hasSize(1);
    assertThat(traffic.bytesIn()).as("bytes from the peer").isEqualTo(2);
    assertThat(traffic.bytesOut()).as("bytes back to it").isEqualTo(2);
    assertThat(traffic.connectionsTotal()).as("sessions, for pipe status").isEqualTo(1);
    assertThat(traffic.connectionsActive()).isZero();
  }

  private static boolean closedByPeer(InputStream in) throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketException e) {
      return true;
    }
  }
}

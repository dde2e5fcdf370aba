package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerConfig;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-client credentials: alice and bob each have a token, ports and tunnel names of their own, and
 * a shared token still works beside them. Neither can claim, close or hijack what belongs to the
 * other.
 */
@Timeout(60)
class AuthorizationE2ETest {
  private static final Secret ALICE = Secret.of("alice-token-1c9e");
  private static final Secret BOB = Secret.of("bob-token-77d0");

  @TempDir Path dir;
  private EchoServer echo;
  private PipeServer server;
  private int[] alicePorts;
  private int[] bobPorts;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    int[] ports = Fixture.freePorts(4);
    alicePorts = new int[] {ports[0], ports[1]};
    bobPorts = new int[] {ports[2], ports[3]};
    Path config = dir.resolve("server.toml");
    Files.writeString(
        config,
        """
        [[users]]
        name = "alice"
        token = "alice-token-1c9e"
        allow_ports = "%d,%d"
        allow_names = ["alice-*"]

        [[users]]
        name = "bob"
        token = "bob-token-77d0"
        allow_ports = "%d,%d"
        allow_names = ["bob-*"]
        """
            .formatted(alicePorts[0], alicePorts[1], bobPorts[0], bobPorts[1]));
    server =
        PipeServer.start(
            ServerConfig.builder()
                .file(config)
                .bindAddress(LOOPBACK)
                .port(0)
                .token(Fixture.TOKEN)
                .tls(false)
                .build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  @Test
  void eachUserClaimsOnlyTheirOwnPortsAndNames() throws Exception {
    try (RunningClient alice =
        RunningClient.start(
            server,
            ALICE,
            tcp("alice-web", echo.port(), alicePorts[0]),
            tcp("alice-steals-port", echo.port(), bobPorts[0]),
            tcp("bob-web", echo.port(), alicePorts[1]))) {
      assertThat(alice.awaitReady("alice-web")).isEqualTo(alicePorts[0]);
      assertThat(alice.awaitRejected("alice-steals-port"))
          .contains("port " + bobPorts[0] + " is not allowed for user alice");
      assertThat(alice.awaitRejected("bob-web"))
          .contains("user alice may not use the tunnel name 'bob-web' (allowed: alice-*)");
      assertThat(TunnelE2ETest.echoRoundTrip(alicePorts[0], 1, 10_000).call()).isTrue();
    }
  }

  @Test
  void theSharedTokenStillWorksAndGetsTheServersPorts() throws Exception {
    try (RunningClient shared = RunningClient.start(server, tcp("anything", echo.port(), 0))) {
      assertThat(TunnelE2ETest.echoRoundTrip(shared.awaitReady("anything"), 2, 10_000).call())
          .isTrue();
    }
  }

  @Test
  void aUserCannotFailClaimOrEvictAnotherUsersConnectionsAndSessions() throws Exception {
    try (RawClient bob = RawClient.connect(server.port());
        RawClient alice = RawClient.connect(server.port())) {
      String bobClientId = ConnectionId.random().hex();
      assertThat(bob.login(BOB, bobClientId)).isInstanceOf(Message.LoginAccepted.class);
      assertThat(bob.forward("bob-web", bobPorts[0])).isInstanceOf(Message.ForwardAccepted.class);
      assertThat(alice.login(ALICE)).isInstanceOf(Message.LoginAccepted.class);

      try (Socket user = Fixture.connect(bobPorts[0])) {
        ConnectionId id = bob.channel.receive(Message.Exchange.class).id();

        // Alice learns bob's connection id somehow. She cannot close bob's user connection...
        alice.channel.send(new Message.ExchangeFailed(id, "closing someone else's connection"));
        // ...nor claim it with a data connection of her own.
        RawClient[] aliceData = new RawClient[1];
        try {
          assertThat(RawClient.dataLogin(server.port(), ALICE, id, aliceData))
              .isInstanceOfSatisfying(
                  Message.Rejected.class,
                  r -> assertThat(r.reason()).isEqualTo(RejectReason.UNKNOWN_CONNECTION));
        } finally {
          aliceData[0].close();
        }
        // ...nor take over bob's session by reusing his client id.
        try (RawClient impostor = RawClient.connect(server.port())) {
          assertThat(impostor.login(ALICE, bobClientId)).isInstanceOf(Message.Rejected.class);
        }

        // Bob's connection is untouched: his data connection claims it and carries the bytes.
        RawClient[] bobData = new RawClient[1];
        try {
          assertThat(RawClient.dataLogin(server.port(), BOB, id, bobData))
              .isInstanceOf(Message.DataAccepted.class);
          user.getOutputStream().write("for bob".getBytes(StandardCharsets.UTF_8));
          assertThat(bobData[0].socket.getInputStream().readNBytes(7))
              .asString(StandardCharsets.UTF_8)
              .isEqualTo("for bob");
        } finally {
          bobData[0].close();
        }
      }
      // Bob's control session survived all of it.
      bob.channel.send(new Message.Heartbeat());
      assertThat(bob.forward("bob-api", bobPorts[1])).isInstanceOf(Message.ForwardAccepted.class);
    }
  }

  @Test
  void aUserCannotClaimAnotherUsersUdpDataConnection() throws Exception {
    try (RawClient bob = RawClient.connect(server.port());
        RawClient alice = RawClient.connect(server.port())) {
      assertThat(bob.login(BOB)).isInstanceOf(Message.LoginAccepted.class);
      Message accepted = bob.forward("bob-dns", TunnelType.UDP, 0);
      assertThat(accepted).isInstanceOf(Message.ForwardAccepted.class);
      int port = ((Message.ForwardAccepted) accepted).remotePort();
      assertThat(alice.login(ALICE)).isInstanceOf(Message.LoginAccepted.class);
      // The tunnel asks bob's client for its data connection at once.
      ConnectionId id = bob.channel.receive(Message.Exchange.class).id();

      RawClient[] aliceData = new RawClient[1];
      try {
        assertThat(RawClient.dataLogin(server.port(), ALICE, id, aliceData))
            .isInstanceOfSatisfying(
                Message.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo(RejectReason.UNKNOWN_CONNECTION));
      } finally {
        aliceData[0].close();
      }

      RawClient[] bobData = new RawClient[1];
      try (UdpPeer peer = UdpPeer.to(port)) {
        assertThat(RawClient.dataLogin(server.port(), BOB, id, bobData))
            .isInstanceOf(Message.DataAccepted.class);
        peer.send("for bob");
        Message.Datagram datagram = bobData[0].channel.receive(Message.Datagram.class);
        assertThat(datagram.payload()).asString(StandardCharsets.UTF_8).isEqualTo("for bob");
      } finally {
        bobData[0].close();
      }
    }
  }
}

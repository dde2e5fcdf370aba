package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.ClientFailure;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.RejectReason;
import dev.pipe.server.PipeServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Both sides say clearly when they speak different protocol versions, and both notice a peer that
 * has gone silent. The other side is played by hand, as a different version of pipe would.
 */
@Timeout(60)
class ProtocolVersionE2ETest {

  @Test
  void theServerTellsAClientOfAnotherVersionWhatToDo() throws Exception {
    try (PipeServer server = PipeServer.start(Fixture.plainServerConfig().build());
        RawClient future = RawClient.connect(server.port())) {
      future.channel.send(
          new Message.Login(
              PipeVersion.PROTOCOL + 1,
              "9.9.9",
              ConnectionId.random().hex(),
              Proof.compute(Fixture.TOKEN, future.hello.nonce())));
      assertThat(future.channel.receive())
          .isInstanceOfSatisfying(
              Message.Rejected.class,
              rejected -> {
                assertThat(rejected.reason()).isEqualTo(RejectReason.VERSION_MISMATCH);
                assertThat(rejected.message())
                    .contains("protocol " + PipeVersion.PROTOCOL)
                    .contains("the client speaks protocol " + (PipeVersion.PROTOCOL + 1))
                    .contains("install the same pipe version on both sides");
              });
    }
  }

  @Test
  void aClientFacingAServerOfAnotherVersionStopsAndSaysBoth() throws Exception {
    try (ServerSocket fake = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket socket = fake.accept()) {
                  ControlChannel channel = new ControlChannel(socket);
                  channel.send(
                      new Message.Hello(PipeVersion.PROTOCOL + 1, "9.9.9", Proof.newNonce()));
                  channel.receive(Message.Login.class);
                  channel.send(
                      new Message.Rejected(RejectReason.VERSION_MISMATCH, "upgrade the client"));
                } catch (Exception e) {
                  // the test below reports what the client saw
                }
              });
      try (RunningClient client = RunningClient.plain(fake.getLocalPort(), tcp("t", 1, 0))) {
        assertThat(client.awaitExit())
            .isInstanceOf(ClientFailure.class)
            .hasMessageContaining("runs pipe 9.9.9 (protocol " + (PipeVersion.PROTOCOL + 1) + ")")
            .hasMessageContaining("this client is pipe " + PipeVersion.software())
            .hasMessageContaining("the server says: upgrade the client");
      }
    }
  }

  @Test
  void aClientWhoseServerGoesSilentReconnectsAfterThreeHeartbeats() throws Exception {
    CompletableFuture<Long> secondLogin = new CompletableFuture<>();
    try (ServerSocket fake = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket first = fake.accept()) {
                  ControlChannel channel = new ControlChannel(first);
                  channel.send(new Message.Hello(PipeVersion.PROTOCOL, "fake", Proof.newNonce()));
                  channel.receive(Message.Login.class);
                  channel.send(new Message.LoginAccepted(100, 0));
                  long silentSince = System.nanoTime();
                  // Say nothing more and never close: only the heartbeat timeout can end this.
                  try (Socket second = fake.accept()) {
                    secondLogin.complete(System.nanoTime() - silentSince);
                  }
                } catch (Exception e) {
                  secondLogin.completeExceptionally(e);
                }
              });
      try (RunningClient client = RunningClient.plain(fake.getLocalPort(), tcp("t", 1, 0))) {
        long nanos = secondLogin.get(20, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(nanos)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      }
    }
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.ClientConfig;
import dev.pipe.client.ClientFailure;
import dev.pipe.example.EchoServer;
import dev.pipe.proto.Fingerprint;
import dev.pipe.server.PipeServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS is on by default; the client trusts a server's certificate by pin, by the system trust store,
 * or on first use, and refuses one that does not match. A plaintext side facing a TLS side gets one
 * clear error within the handshake deadline.
 */
@Timeout(60)
class TlsE2ETest {
  @TempDir Path serverState;
  @TempDir Path clientState;
  private EchoServer echo;

  @BeforeEach
  void startEcho() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
  }

  @AfterEach
  void stopEcho() throws Exception {
    echo.close();
  }

  private PipeServer tlsServer(Path state, int port) throws Exception {
    return PipeServer.start(Fixture.serverConfig().stateDir(state).port(port).build());
  }

  private ClientConfig.Builder client(int port) {
    return RunningClient.builder(port, Fixture.TOKEN, tcp("echo", echo.port(), 0))
        .stateDir(clientState);
  }

  @Test
  void firstContactRecordsTheFingerprintAndTheTunnelIsEncrypted() throws Exception {
    try (PipeServer server = tlsServer(serverState, 0)) {
      Fingerprint fingerprint = server.fingerprint().orElseThrow();
      assertThat(Files.readString(serverState.resolve("server-cert.pem")))
          .startsWith("-----BEGIN CERTIFICATE-----");
      try (RunningClient client = RunningClient.start(client(server.port()).build())) {
        int port = client.awaitReady("echo");
        assertThat(TunnelE2ETest.echoRoundTrip(port, 1, 100_000).call()).isTrue();
      }
      assertThat(Files.readString(clientState.resolve("known_servers")))
          .contains("127.0.0.1:" + server.port() + " " + fingerprint);
    }
  }

  @Test
  void aServerRestartedWithTheSameStateKeepsItsFingerprint() throws Exception {
    Fingerprint first;
    try (PipeServer server = tlsServer(serverState, 0)) {
      first = server.fingerprint().orElseThrow();
    }
    try (PipeServer again = tlsServer(serverState, 0)) {
      assertThat(again.fingerprint()).contains(first);
    }
  }

  @Test
  void aCertificateThatChangedSinceFirstContactIsRefused() throws Exception {
    int controlPort;
    try (PipeServer original = tlsServer(serverState, 0);
        RunningClient client = RunningClient.start(client(original.port()).build())) {
      client.awaitReady("echo");
      controlPort = original.port();
    }
    Path otherState = Files.createTempDirectory(clientState.getParent(), "impostor-");
    try (PipeServer impostor = tlsServer(otherState, controlPort);
        RunningClient client = RunningClient.start(client(controlPort).build())) {
      assertThat(client.awaitExit())
          .isInstanceOf(ClientFailure.class)
          .hasMessageContaining("the certificate of server 127.0.0.1:" + controlPort + " changed")
          .hasMessageContaining("but the server presented " + impostor.fingerprint().orElseThrow())
          .hasMessageContaining("delete the line for 127.0.0.1:" + controlPort);
    }
  }

  @Test
  void aPinnedFingerprintMustMatch() throws Exception {
    try (PipeServer server = tlsServer(serverState, 0)) {
      Fingerprint wrong = Fingerprint.parse("sha256:" + "00".repeat(32));
      try (RunningClient client =
          RunningClient.start(client(server.port()).serverFingerprint(wrong).build())) {
        assertThat(client.awaitExit())
            .isInstanceOf(ClientFailure.class)
            .hasMessageContaining("--server-fingerprint pins " + wrong);
      }
      try (RunningClient client =
          RunningClient.start(
              client(server.port())
                  .serverFingerprint(server.fingerprint().orElseThrow())
                  .build())) {
        assertThat(TunnelE2ETest.echoRoundTrip(client.awaitReady("echo"), 2, 1_000).call())
            .isTrue();
      }
      assertThat(clientState.resolve("known_servers")).as("a pin needs no record").doesNotExist();
    }
  }

  @Test
  void strictRefusesAFirstContact() throws Exception {
    try (PipeServer server = tlsServer(serverState, 0);
        RunningClient client = RunningClient.start(client(server.port()).strict(true).build())) {
      assertThat(client.awaitExit())
          .isInstanceOf(ClientFailure.class)
          .hasMessageContaining("--strict refuses to trust it unseen");
    }
  }

  @Test
  void aPlaintextClientFacingATlsServerIsToldWithinTheDeadline() throws Exception {
    try (PipeServer server = tlsServer(serverState, 0)) {
      long started = System.nanoTime();
      try (RunningClient client = RunningClient.start(client(server.port()).tls(false).build())) {
        assertThat(client.awaitExit())
            .isInstanceOf(ClientFailure.class)
            .hasMessageContaining("this server requires TLS; run the client without --no-tls");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started))
          .isLessThan(dev.pipe.proto.Limits.HANDSHAKE_TIMEOUT.plusSeconds(2));
    }
  }

  @Test
  void aTlsClientFacingAPlaintextServerIsToldAtOnce() throws Exception {
    try (PipeServer server = PipeServer.start(Fixture.plainServerConfig().build());
        RunningClient client = RunningClient.start(client(server.port()).build())) {
      assertThat(client.awaitExit())
          .isInstanceOf(ClientFailure.class)
          .hasMessageContaining("does not speak TLS (is it running with --no-tls?)");
    }
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.RELAY_SECRET;
import static dev.pipe.e2e.Fixture.relay;
import static dev.pipe.e2e.Fixture.tcp;
import static dev.pipe.e2e.Fixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the relay sees of a circuit, with TLS to the server off so that nothing else hides it: only
 * ciphertext on both legs, and any byte it alters closes the circuit with an integrity error.
 */
@Timeout(120)
class RelayEncryptionE2ETest {
  private EchoServer echo;
  private PipeServer server;
  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(limits -> limits.relay(relay -> relay.maxCircuitRate(0)))
                .build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  /** {@code copies} times a marker of random letters, so no cipher output contains it by chance. */
  private static byte[] marker(String name, int copies) {
    byte[] random = new byte[12];
    new Random().nextBytes(random);
    String marker = "PLAINTEXT-" + name + "-" + HexFormat.of().formatHex(random) + "|";
    return marker.repeat(copies).getBytes(StandardCharsets.US_ASCII);
  }

  private static void echoes(int port, byte[] bytes) throws Exception {
    try (Socket user = Fixture.connect(port)) {
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      user.getOutputStream().write(bytes);
                      user.shutdownOutput();
                    } catch (IOException e) {
                      throw new IllegalStateException(e);
                    }
                  });
      assertThat(user.getInputStream().readAllBytes()).isEqualTo(bytes);
      writer.join();
    }
  }

  @Test
  void aPacketCaptureOfBothLegsHoldsCiphertextOnly() throws Exception {
    byte[] relayed = marker("relay", 4_000);
    byte[] tunnelled = marker("tcp", 200);
    try (RunningClient provider =
            RunningClient.start(server, relay("home", echo.port()), tcp("web", echo.port(), 0));
        RunningClient visitor = RunningClient.visit(server, visitor("home", RELAY_SECRET))) {
      provider.awaitReady("home");
      int publicPort = provider.awaitReady("web");
      int visitorPort = visitor.awaitVisitor("home");
      byte[] tunnelledMarker = Arrays.copyOf(tunnelled, tunnelled.length / 200);
      Map<Capture.Flow, byte[]> payloads;
      try (Capture capture = Capture.start(dir, server.port())) {
        echoes(visitorPort, relayed);
        echoes(publicPort, tunnelled);
        // The capture sees plaintext where there is some (a tcp tunnel without TLS), and it sees
        // the circuit: up and back on the visitor's leg and on the provider's, four directions of
        // connections to the server's port carry the relayed marker's length or more.
        payloads =
            capture.stopWhen(
                "the tcp tunnel's marker and four directions of the circuit",
                captured ->
                    Capture.contains(captured, tunnelledMarker)
                        && Capture.carrying(captured, relayed.length).size() >= 4);
      }

      assertThat(Capture.contains(payloads, "\"tunnel\":\"home\"".getBytes(StandardCharsets.UTF_8)))
          .as("the capture sees the circuit's connections")
          .isTrue();
      byte[] oneMarker = Arrays.copyOf(relayed, relayed.length / 4_000);
      assertThat(Capture.contains(payloads, oneMarker))
          .as("the relayed marker appears on no leg")
          .isFalse();
    }
  }

  @ParameterizedTest
  @EnumSource(TamperingRelay.Direction.class)
  void aByteFlippedOnTheWayToTheVisitorClosesTheCircuitWithAnIntegrityError(
      TamperingRelay.Direction direction) throws Exception {
    // Between the visitor and the server: DOWNSTREAM alters what the provider sends (the visitor
    // detects it), UPSTREAM what the visitor sends (the provider detects it).
    try (TamperingRelay tampering = TamperingRelay.start(server.port(), direction, 300_000);
        RunningClient provider = RunningClient.start(server, relay("home", echo.port()));
        RunningClient visitor =
            RunningClient.visit(tampering.port(), server, visitor("home", RELAY_SECRET))) {
      provider.awaitReady("home");
      int port = visitor.awaitVisitor("home");
      byte[] sent = new byte[2 * 1024 * 1024];
      new Random(3).nextBytes(sent);
      byte[] received;
      try (Socket user = Fixture.connect(port)) {
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    user.getOutputStream().write(sent);
                    user.shutdownOutput();
                  } catch (IOException e) {
                    // The circuit closes under the writer: that is the point.
                  }
                });
        received = readUntilClosed(user);
      }

      RunningClient detector =
          direction == TamperingRelay.Direction.DOWNSTREAM ? visitor : provider;
      assertThat(detector.awaitNotice("broken home"))
          .contains("integrity error")
          .contains("failed authentication");
      assertThat(received.length).as("the circuit closed before the end").isLessThan(sent.length);
      assertThat(received).isEqualTo(Arrays.copyOf(sent, received.length));
    }
  }

  private static byte[] readUntilClosed(Socket socket) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    try {
      int n;
      while ((n = socket.getInputStream().read(buffer)) >= 0) {
        bytes.write(buffer, 0, n);
      }
    } catch (IOException reset) {
      // A reset ends the stream as well as a close.
    }
    return bytes.toByteArray();
  }
}

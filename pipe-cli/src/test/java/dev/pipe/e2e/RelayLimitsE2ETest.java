package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.RELAY_SECRET;
import static dev.pipe.e2e.Fixture.relay;
import static dev.pipe.e2e.Fixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.relay.RelayKeys;
import dev.pipe.server.HandshakeFailure;
import dev.pipe.server.PipeServer;
import dev.pipe.server.RelayLimits;
import dev.pipe.server.ServerConfig;
import dev.pipe.server.ServerLimit;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a circuit can be refused or ended: the visitor reads the documented reason, the server
 * logs a line and counts the limit, and the circuits already open keep carrying bytes.
 */
@Timeout(120)
class RelayLimitsE2ETest {
  private final RecordingEvents events = new RecordingEvents();
  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private EchoServer echo;
  private PipeServer server;
  private LogCapture log;

  @BeforeEach
  void startEcho() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    log = LogCapture.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable closeable : open.reversed()) {
      closeable.close();
    }
    if (server != null) {
      server.close();
    }
    echo.close();
    log.close();
  }

  private void startServer(Consumer<RelayLimits.Builder> relayLimits) throws IOException {
    server =
        PipeServer.start(
            Fixture.plainServerConfig().limits(limits -> limits.relay(relayLimits)).build(),
            events);
  }

  private <T extends AutoCloseable> T keep(T closeable) {
    open.add(closeable);
    return closeable;
  }

  /** A provider of {@code tunnel} (to the echo service) and a visitor of it; the visitor's port. */
  private int providerAndVisitor(String tunnel) throws Exception {
    keep(RunningClient.start(server, relay(tunnel, echo.port()))).awaitReady(tunnel);
    return keep(RunningClient.visit(server, visitor(tunnel, RELAY_SECRET))).awaitVisitor(tunnel);
  }

  private RunningClient visitorOf(String tunnel) {
    return keep(RunningClient.visit(server, visitor(tunnel, RELAY_SECRET)));
  }

  /** A circuit held open, proven to carry bytes. */
  private Socket circuit(int visitorPort) throws IOException {
    Socket socket = keep(Fixture.connect(visitorPort));
    assertEchoes(socket, "first bytes");
    return socket;
  }

  private static void assertEchoes(Socket socket, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(bytes);
    assertThat(new String(socket.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8))
        .isEqualTo(text);
  }

  /** A local connection to the visitor is closed without a byte: its circuit was refused. */
  private static void assertClosedWithoutBytes(int visitorPort) throws IOException {
    try (Socket socket = Fixture.connect(visitorPort)) {
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    } catch (SocketException reset) {
      assertThat(reset.getMessage()).contains("reset");
    }
  }

  @Test
  void aWrongSecretIsRefusedLoggedForFail2banAndCounted() throws Exception {
    startServer(relay -> {});
    int port = providerAndVisitor("home");
    Socket good = circuit(port);
    RunningClient wrong =
        keep(RunningClient.visit(server, visitor("home", Secret.of("not the provider's secret"))));
    assertClosedWithoutBytes(wrong.awaitVisitor("home"));

    assertThat(wrong.awaitNotice("refused home"))
        .contains(
            "wrong secret: this visitor's secret for relay tunnel 'home' is not the provider's");
    assertThat(log.await("authentication failure: source=127.0.0.1"))
        .contains("reason=\"wrong secret for relay tunnel home\"");
    events.awaitFailure(HandshakeFailure.BAD_SECRET);
    assertEchoes(good, "still carried");
  }

  @Test
  void aTunnelNobodyReservedIsTheProviderNotBeingConnected() throws Exception {
    startServer(relay -> {});
    Socket good = circuit(providerAndVisitor("home"));
    RunningClient lost = visitorOf("nobody-home");
    assertClosedWithoutBytes(lost.awaitVisitor("nobody-home"));

    assertThat(lost.awaitNotice("refused nobody-home"))
        .contains("the provider is not connected to this server");
    assertThat(log.await("circuit refused: tunnel=nobody-home"))
        .contains("reason=\"no such reservation\"");
    assertEchoes(good, "still carried");
  }

  @Test
  void aReservationItsProviderDidNotRefreshExpires() throws Exception {
    startServer(relay -> relay.reservationTtl(Duration.ofSeconds(1)));
    // A real provider refreshes at half the TTL: its tunnel outlives several TTLs.
    int homePort = providerAndVisitor("home");
    Socket good = circuit(homePort);
    try (RawClient silent = RawClient.connect(server.port())) {
      assertThat(silent.login()).isInstanceOf(Message.LoginAccepted.class);
      RelayKeys keys = RelayKeys.derive("stale", RELAY_SECRET);
      silent.channel.send(new Message.Reserve("stale", keys.accessKeyHex()));
      assertThat(silent.channel.receive()).isInstanceOf(Message.ReservationAccepted.class);
      long reservedAt = System.nanoTime();
      RunningClient late = visitorOf("stale");
      int port = late.awaitVisitor("stale");
      Fixture.eventually(
          Duration.ofSeconds(10),
          "three TTLs to pass without a refresh",
          () -> System.nanoTime() - reservedAt > Duration.ofSeconds(3).toNanos());
      assertClosedWithoutBytes(port);

      assertThat(late.awaitNotice("refused stale"))
          .contains("the reservation of relay tunnel 'stale' expired")
          .contains("reservation_ttl (1s)");
      assertThat(log.await("circuit refused: tunnel=stale"))
          .contains("reservation expired (reservation_ttl = 1s)");
      events.awaitLimit(ServerLimit.RESERVATION_TTL);
      assertEchoes(good, "still carried after three TTLs");
      assertEchoes(circuit(homePort), "and a new circuit opens");
    }
  }

  @Test
  void maxReservationsRefusesTheProviderAndTheOthersKeepServing() throws Exception {
    startServer(relay -> relay.maxReservations(1));
    Socket good = circuit(providerAndVisitor("first"));
    RunningClient second = keep(RunningClient.start(server, relay("second", echo.port())));

    assertThat(second.awaitRejected("second"))
        .contains("limit max_reservations = 1 reached")
        .contains("ask its operator to raise max_reservations");
    assertThat(log.await("relay tunnel second of client"))
        .contains("refused: limit max_reservations = 1 reached");
    events.awaitLimit(ServerLimit.MAX_RESERVATIONS);
    RunningClient visitor = visitorOf("second");
    assertClosedWithoutBytes(visitor.awaitVisitor("second"));
    assertThat(visitor.awaitNotice("refused second"))
        .contains("the provider is not connected to this server");
    assertEchoes(good, "still carried");
  }

  @Test
  void maxCircuitsRefusesTheNextCircuitUntilOneEnds() throws Exception {
    startServer(relay -> relay.maxCircuits(2).maxCircuitsPerPeer(0));
    int port = providerAndVisitor("home");
    RunningClient visitor = (RunningClient) open.getLast();
    Socket first = circuit(port);
    Socket second = circuit(port);
    assertClosedWithoutBytes(port);

    assertThat(visitor.awaitNotice("refused home"))
        .contains("limit max_circuits = 2 reached: the relay already carries its most circuits");
    assertThat(log.await("circuit refused: tunnel=home"))
        .contains("limit max_circuits = 2 reached");
    events.awaitLimit(ServerLimit.MAX_CIRCUITS);
    assertEchoes(first, "first still carried");
    assertEchoes(second, "second still carried");
    first.close();
    Fixture.eventually(
        Duration.ofSeconds(15),
        "the first circuit's slot to be free",
        () -> server.tunnels().getFirst().traffic().connectionsActive() == 1);
    assertEchoes(circuit(port), "a third once the first ended");
  }

  @Test
  void aReloadAppliesNewRelayLimitsToNewCircuitsAndKeepsTheOpenOnes() throws Exception {
    server =
        PipeServer.start(
            relayConfig("max_circuits = 0\nmax_circuits_per_peer = 0\nmax_circuit_rate = 0\n"),
            events);
    int port = providerAndVisitor("home");
    RunningClient visitor = (RunningClient) open.getLast();
    Socket first = circuit(port);
    Socket second = circuit(port);

    List<String> restartOnly =
        server.reload(
            relayConfig("max_circuits = 2\nmax_circuits_per_peer = 0\nmax_circuit_rate = 0\n"));

    assertThat(restartOnly).isEmpty();
    assertClosedWithoutBytes(port);
    assertThat(visitor.awaitNotice("refused home")).contains("limit max_circuits = 2 reached");
    assertEchoes(first, "first still carried");
    assertEchoes(second, "second still carried");
  }

  /** A plain server's config from a file holding {@code relayKeys}, as a reload reads it. */
  private ServerConfig relayConfig(String relayKeys) throws IOException {
    Path file = Files.createTempFile(dir, "server-", ".toml");
    Files.writeString(file, relayKeys);
    return Fixture.plainServerConfig().file(file).build();
  }

  @Test
  void maxCircuitsPerPeerRefusesAVisitorItsNextCircuit() throws Exception {
    startServer(relay -> relay.maxCircuits(0).maxCircuitsPerPeer(1));
    int port = providerAndVisitor("home");
    RunningClient visitor = (RunningClient) open.getLast();
    Socket first = circuit(port);
    assertClosedWithoutBytes(port);

    assertThat(visitor.awaitNotice("refused home"))
        .contains("limit max_circuits_per_peer = 1 reached: this visitor's address 127.0.0.1");
    assertThat(log.await("circuit refused: tunnel=home"))
        .contains("limit max_circuits_per_peer = 1 reached");
    events.awaitLimit(ServerLimit.MAX_CIRCUITS_PER_PEER);
    assertEchoes(first, "still carried");
  }

  @Test
  void aCircuitThatLastsTooLongIsClosedOnBothEndsWithTheReason() throws Exception {
    startServer(relay -> relay.maxCircuitDuration(Duration.ofSeconds(1)));
    RunningClient provider = keep(RunningClient.start(server, relay("home", echo.port())));
    provider.awaitReady("home");
    RunningClient visitor = visitorOf("home");
    int port = visitor.awaitVisitor("home");
    Socket cut = circuit(port);

    String reason = "the circuit reached the relay's max_circuit_duration of 1s";
    assertThat(visitor.awaitNotice("closed home")).contains(reason);
    assertThat(provider.awaitNotice("closed home")).contains(reason);
    assertThat(log.await("tunnel=home closed: it reached max_circuit_duration = 1s")).isNotEmpty();
    events.awaitLimit(ServerLimit.MAX_CIRCUIT_DURATION);
    assertThat(endOfStream(cut)).as("the user's connection ends").isTrue();
    assertEchoes(circuit(port), "a new circuit opens");
  }

  /** Reads until the connection ends; true if it did (by a close or a reset). */
  private static boolean endOfStream(Socket socket) throws IOException {
    try {
      while (socket.getInputStream().read() >= 0) {
        // Bytes still in flight when the circuit was cut.
      }
      return true;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Test
  void aCircuitFasterThanTheRateIsSlowedAndBothEndsAreTold() throws Exception {
    long rate = 64_000;
    startServer(relay -> relay.maxCircuitRate(rate));
    RunningClient provider = keep(RunningClient.start(server, relay("home", echo.port())));
    provider.awaitReady("home");
    RunningClient visitor = visitorOf("home");
    int port = visitor.awaitVisitor("home");
    Socket other = circuit(port);

    int size = 256 * 1024;
    long started = System.nanoTime();
    assertThat(TunnelE2ETest.echoRoundTrip(port, 7, size).call()).isTrue();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);

    // The first chunk of each direction is free; the rest waits for the limiter.
    long bound = (size - 16 * 1024) * 1_000L / rate;
    assertThat(elapsed.toMillis()).isGreaterThanOrEqualTo(bound * 8 / 10);
    assertThat(visitor.awaitNotice("throttled home")).isEqualTo("throttled home: " + rate);
    assertThat(provider.awaitNotice("throttled home")).isEqualTo("throttled home: " + rate);
    assertThat(log.await("slowed to max_circuit_rate")).contains("= 64000 bytes/s");
    events.awaitLimit(ServerLimit.MAX_CIRCUIT_RATE);
    assertEchoes(other, "the other circuit still carries bytes");
  }
}

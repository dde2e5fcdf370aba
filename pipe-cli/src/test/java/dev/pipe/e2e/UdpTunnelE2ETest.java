package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.udp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.TunnelSpec;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.example.EchoServer;
import dev.pipe.example.UdpEchoServer;
import dev.pipe.proto.Limits;
import dev.pipe.proto.TunnelType;
import dev.pipe.proto.UdpSessions;
import dev.pipe.server.PipeServer;
import dev.pipe.server.TunnelInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UDP tunnels with real sockets on 127.0.0.1: many peers, sessions, faults and restarts. */
@Timeout(180)
class UdpTunnelE2ETest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Duration REPLY = Duration.ofSeconds(2);

  private UdpEchoServer echo;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    echo = UdpEchoServer.start(LOOPBACK, 0);
    server = PipeServer.start(Fixture.serverConfig().build());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    echo.close();
  }

  /** What one peer saw; anything but loss fails the test. */
  private record Tally(long echoed, long lost, long late, long misdelivered, long corrupted) {}

  @Test
  void sixteenPeersEachSend500DatagramsOfRandomSizesAndEveryReplyReachesItsSender()
      throws Exception {
    int peers = 16;
    int datagrams = 500;
    try (RunningClient client = RunningClient.start(server, udp("echo", echo.port(), 0));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      int port = client.awaitReady("echo");
      List<Future<Tally>> results = new ArrayList<>();
      for (int peer = 0; peer < peers; peer++) {
        int id = peer;
        results.add(threads.submit(() -> talk(port, id, datagrams)));
      }
      long echoed = 0;
      long lost = 0;
      long late = 0;
      long misdelivered = 0;
      long corrupted = 0;
      for (Future<Tally> result : results) {
        Tally tally = result.get();
        echoed += tally.echoed();
        lost += tally.lost();
        late += tally.late();
        misdelivered += tally.misdelivered();
        corrupted += tally.corrupted();
      }
      System.out.printf(
          "udp: %d peers x %d datagrams: %d echoed intact, %d lost (%.2f%%), %d late,"
              + " %d misdelivered, %d corrupted%n",
          peers,
          datagrams,
          echoed,
          lost,
          100.0 * lost / (peers * datagrams),
          late,
          misdelivered,
          corrupted);
      assertThat(misdelivered).as("replies delivered to the wrong peer").isZero();
      assertThat(corrupted).as("replies whose bytes differ from what was sent").isZero();
      assertThat(lost)
          .as("datagrams lost on loopback")
          .isLessThanOrEqualTo(peers * datagrams / 100);
      assertThat(echo.peers()).as("each peer reached the service from its own socket").hasSize(16);
    }
  }

  /**
   * One peer's run: sends each datagram and waits for its echo before the next. The first byte
   * names the peer and the next four the sequence number (in datagrams long enough for them), the
   * rest is random, so any reply can be told apart: its own echo, a late echo of an earlier one, or
   * somebody else's.
   */
  private static Tally talk(int port, int peer, int count) throws Exception {
    Random sizes = new Random(peer);
    Map<Integer, byte[]> unanswered = new HashMap<>();
    long echoed = 0;
    long lost = 0;
    long late = 0;
    long misdelivered = 0;
    long corrupted = 0;
    try (UdpPeer socket = UdpPeer.to(port)) {
      for (int seq = 0; seq < count; seq++) {
        int size =
            switch (seq) {
              case 0 -> 1;
              case 1 -> Limits.MAX_DATAGRAM_BYTES;
              default -> 1 + sizes.nextInt(Limits.MAX_DATAGRAM_BYTES);
            };
        byte[] sent = datagram(peer, seq, size);
        socket.send(sent);
        boolean answered = false;
        while (!answered) {
          byte[] reply = socket.receive(REPLY);
          if (reply == null) {
            lost++;
            unanswered.put(seq, sent);
            break;
          }
          if (reply[0] != (byte) peer) {
            misdelivered++;
          } else if (Arrays.equals(reply, sent)) {
            echoed++;
            answered = true;
          } else if (unanswered.values().stream().anyMatch(old -> Arrays.equals(old, reply))) {
            late++;
          } else {
            corrupted++;
          }
        }
      }
    }
    return new Tally(echoed, lost, late, misdelivered, corrupted);
  }

  private static byte[] datagram(int peer, int seq, int size) {
    byte[] bytes = new byte[size];
    new Random(peer * 1_000_003L + seq).nextBytes(bytes);
    bytes[0] = (byte) peer;
    if (size >= 5) {
      ByteBuffer.wrap(bytes, 1, 4).putInt(seq);
    }
    return bytes;
  }

  @Test
  void aQuietSessionIsReclaimedAfterTheIdleTimeoutAndABusyOneIsNot() throws Exception {
    try (RunningClient client =
            RunningClient.start(server, udp("idle", echo.port(), 0, new UdpSessions(300, 16)));
        UdpPeer peer = UdpPeer.to(client.awaitReady("idle"))) {
      // Busy: a datagram every 100 ms for well over the 300 ms timeout keeps one session.
      long until = System.nanoTime() + Duration.ofMillis(1_500).toNanos();
      int sent = 0;
      while (System.nanoTime() < until) {
        assertThat(peer.echoed("busy " + sent++, REPLY)).isTrue();
        Thread.sleep(100);
      }
      assertThat(echo.peers()).as("one session, one socket, all along").hasSize(1);
      assertThat(Fixture.udpSocketsConnectedTo(echo.port())).isEqualTo(1);

      // Quiet: the session ends and the client closes its socket to the service.
      Fixture.eventually(
          WAIT, "the idle session's socket to be closed", () -> socketsTo(echo.port()) == 0);

      // The same peer comes back: a new session, with a new socket.
      assertThat(peer.echoed("back", REPLY)).isTrue();
      assertThat(echo.peers()).hasSize(2);
    }
  }

  @Test
  void theSessionCapHoldsAndPeersBeyondItDoNotDisturbTheOthers() throws Exception {
    int cap = 4;
    List<UdpPeer> admitted = new ArrayList<>();
    try (RunningClient client =
            RunningClient.start(
                server, udp("capped", echo.port(), 0, new UdpSessions(60_000, cap)));
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      int port = client.awaitReady("capped");
      for (int i = 0; i < cap; i++) {
        UdpPeer peer = UdpPeer.to(port);
        admitted.add(peer);
        assertThat(peer.echoed("admitted " + i, REPLY)).isTrue();
      }
      // Two more peers hammer the tunnel while the admitted ones keep talking.
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong answeredBeyondCap = new AtomicLong();
      List<Future<?>> hammers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int id = i;
        hammers.add(
            threads.submit(
                () -> {
                  try (UdpPeer extra = UdpPeer.to(port)) {
                    for (int n = 0; !stop.get(); n++) {
                      extra.send("beyond the cap " + id + " " + n);
                      if (extra.receive(Duration.ofMillis(5)) != null) {
                        answeredBeyondCap.incrementAndGet();
                      }
                    }
                  }
                  return null;
                }));
      }
      for (int round = 0; round < 50; round++) {
        for (int i = 0; i < cap; i++) {
          assertThat(admitted.get(i).echoed("round " + round + " peer " + i, REPLY))
              .as("admitted peer %d in round %d", i, round)
              .isTrue();
        }
      }
      stop.set(true);
      for (Future<?> hammer : hammers) {
        hammer.get();
      }
      assertThat(answeredBeyondCap).hasValue(0);
      assertThat(echo.peers()).as("the service saw only the admitted peers").hasSize(cap);
      assertThat(Fixture.udpSocketsConnectedTo(echo.port())).isEqualTo(cap);
    } finally {
      admitted.forEach(UdpPeer::close);
    }
  }

  @Test
  void theLocalServiceGoingDownAndComingBackDoesNotHurtTheTunnel() throws Exception {
    int servicePort = Fixture.freeUdpPort();
    try (RunningClient client =
            RunningClient.start(
                server, udp("flaky", servicePort, 0), udp("steady", echo.port(), 0));
        UdpPeer peer = UdpPeer.to(client.awaitReady("flaky"));
        UdpPeer other = UdpPeer.to(client.awaitReady("steady"))) {
      // Nothing listens: every datagram is dropped (the kernel answers ICMP port unreachable).
      for (int i = 0; i < 20; i++) {
        assertThat(peer.echoed("nobody home " + i, Duration.ofMillis(50))).isFalse();
      }
      assertThat(other.echoed("the other tunnel still works", REPLY)).isTrue();

      try (UdpEchoServer late = UdpEchoServer.start(LOOPBACK, servicePort)) {
        peer.echoedEventually("back in business", WAIT);
        for (int i = 0; i < 20; i++) {
          assertThat(peer.echoed("again " + i, REPLY)).isTrue();
        }
        assertThat(late.peers()).as("the same session all along").hasSize(1);
      }
    }
  }

  @Test
  void theTunnelComesBackByItselfWhenTheClientIsRestarted() throws Exception {
    int remote = Fixture.freeUdpPort();
    try (UdpPeer peer = UdpPeer.to(remote)) {
      try (RunningClient first = RunningClient.start(server, udp("game", echo.port(), remote))) {
        assertThat(first.awaitReady("game")).isEqualTo(remote);
        assertThat(peer.echoed("before", REPLY)).isTrue();
      }
      try (RunningClient second = RunningClient.start(server, udp("game", echo.port(), remote))) {
        assertThat(second.awaitReady("game")).isEqualTo(remote);
        // The peer did nothing but keep sending to the same address.
        peer.echoedEventually("after", WAIT);
      }
    }
  }

  @Test
  void theTunnelComesBackByItselfWhenTheServerIsRestarted() throws Exception {
    int controlPort = server.port();
    int remote = Fixture.freeUdpPort();
    try (RunningClient client = RunningClient.start(server, udp("voip", echo.port(), remote));
        UdpPeer peer = UdpPeer.to(remote)) {
      assertThat(client.awaitReady("voip")).isEqualTo(remote);
      assertThat(peer.echoed("before", REPLY)).isTrue();
      client.forgetReady("voip");
      server.close();
      server = PipeServer.start(Fixture.serverConfig().port(controlPort).build());
      assertThat(client.awaitReady("voip")).isEqualTo(remote);
      peer.echoedEventually("after", WAIT);
    }
  }

  @Test
  void whenTheTunnelEndsTheServerPortAndTheClientSocketsAreClosed() throws Exception {
    int remote = Fixture.freeUdpPort();
    List<UdpPeer> peers = new ArrayList<>();
    try {
      try (RunningClient client = RunningClient.start(server, udp("leak", echo.port(), remote))) {
        assertThat(client.awaitReady("leak")).isEqualTo(remote);
        for (int i = 0; i < 3; i++) {
          UdpPeer peer = UdpPeer.to(remote);
          peers.add(peer);
          assertThat(peer.echoed("hello " + i, REPLY)).isTrue();
        }
        assertThat(Fixture.udpSocketsConnectedTo(echo.port())).isEqualTo(3);
        assertThat(Fixture.udpPortIsFree(remote)).isFalse();
      }
      Fixture.eventually(
          WAIT, "the client's sockets to the service to close", () -> socketsTo(echo.port()) == 0);
      Fixture.eventually(
          WAIT, "udp port " + remote + " to be free", () -> Fixture.udpPortIsFree(remote));
    } finally {
      peers.forEach(UdpPeer::close);
    }
  }

  @Test
  void aTcpTunnelAndAUdpTunnelMayShareAPortNumber() throws Exception {
    try (EchoServer tcpEcho = EchoServer.start(LOOPBACK, 0)) {
      int port = Fixture.freeTcpAndUdpPort();
      try (RunningClient client =
          RunningClient.start(
              server,
              Fixture.tcp("dns-tcp", tcpEcho.port(), port),
              udp("dns-udp", echo.port(), port))) {
        assertThat(client.awaitReady("dns-tcp")).isEqualTo(port);
        assertThat(client.awaitReady("dns-udp")).isEqualTo(port);
        assertThat(TunnelE2ETest.echoRoundTrip(port, 9, 10_000).call()).isTrue();
        try (UdpPeer peer = UdpPeer.to(port)) {
          assertThat(peer.echoed("both", REPLY)).isTrue();
        }
      }
    }
  }

  @Test
  void theSourceListsDecideWhichPeersGetASession() throws Exception {
    TunnelSpec guarded =
        new TunnelSpec(
            "guarded",
            TunnelType.UDP,
            new HostPort(LOOPBACK, echo.port()),
            0,
            Optional.empty(),
            SourceFilter.parse(List.of("127.0.0.2/32"), List.of()));
    try (RunningClient client = RunningClient.start(server, guarded)) {
      int port = client.awaitReady("guarded");
      try (UdpPeer refused = UdpPeer.from(LOOPBACK, port);
          UdpPeer allowed = UdpPeer.from("127.0.0.2", port)) {
        for (int i = 0; i < 5; i++) {
          assertThat(refused.echoed("not from here " + i, Duration.ofMillis(100))).isFalse();
        }
        assertThat(allowed.echoed("from an allowed address", REPLY)).isTrue();
        assertThat(refused.echoed("still not", Duration.ofMillis(200))).isFalse();
      }
      assertThat(echo.peers()).as("only the allowed peer reached the service").hasSize(1);
      TunnelInfo info = only(server.tunnels());
      assertThat(info.traffic().connectionsTotal()).as("sessions").isEqualTo(1);
    }
  }

  @Test
  void theServerCountsEachPeerSessionAsAConnectionOfAUdpTunnelAndItsPayloadBytes()
      throws Exception {
    try (RunningClient client =
        RunningClient.start(server, udp("counted", echo.port(), 0, new UdpSessions(300, 16)))) {
      int port = client.awaitReady("counted");
      TunnelInfo info = only(server.tunnels());
      assertThat(info.type()).isEqualTo(TunnelType.UDP);
      assertThat(info.port()).isEqualTo(port);
      try (UdpPeer first = UdpPeer.to(port);
          UdpPeer second = UdpPeer.to(port)) {
        assertThat(first.echoed("12345", REPLY)).isTrue();
        assertThat(second.echoed("1234567890", REPLY)).isTrue();
        Fixture.eventually(WAIT, "15 bytes each way", () -> info.traffic().bytesOut() == 15);
        assertThat(info.traffic().bytesIn()).isEqualTo(15);
        assertThat(info.traffic().connectionsTotal()).isEqualTo(2);
        assertThat(info.traffic().connectionsActive()).isEqualTo(2);
        Fixture.eventually(
            WAIT, "both sessions to idle out", () -> info.traffic().connectionsActive() == 0);
        Fixture.eventually(
            WAIT,
            "pipe status to count them on the client too",
            () ->
                client.status().tunnels().getFirst().connectionsTotal() == 2
                    && client.status().tunnels().getFirst().connections() == 0
                    && client.status().tunnels().getFirst().bytesOut() == 15);
      }
    }
  }

  @Test
  void aReloadAddsChangesAndRemovesUdpTunnelsAndLeavesAnUnchangedOneAlone() throws Exception {
    TunnelSpec steady = udp("steady", echo.port(), 0);
    try (RunningClient client =
        RunningClient.start(server, steady, udp("changed", echo.port(), 0))) {
      int steadyPort = client.awaitReady("steady");
      client.awaitReady("changed");
      try (UdpPeer peer = UdpPeer.to(steadyPort)) {
        assertThat(peer.echoed("before", REPLY)).isTrue();

        client.forgetReady("changed");
        client.reload(
            RunningClient.config(
                server,
                Fixture.TOKEN,
                steady,
                udp("changed", echo.port(), 0, new UdpSessions(30_000, 8)),
                udp("added", echo.port(), 0)));
        int changedPort = client.awaitReady("changed");
        int addedPort = client.awaitReady("added");
        try (UdpPeer toChanged = UdpPeer.to(changedPort);
            UdpPeer toAdded = UdpPeer.to(addedPort)) {
          toChanged.echoedEventually("changed", WAIT);
          assertThat(toAdded.echoed("added", REPLY)).isTrue();
        }
        assertThat(peer.echoed("during", REPLY)).isTrue();

        client.reload(RunningClient.config(server, Fixture.TOKEN, steady));
        Fixture.eventually(
            WAIT, "the removed tunnels to close on the server", () -> server.tunnels().size() == 1);
        Fixture.eventually(
            WAIT,
            "their udp ports to be free",
            () -> Fixture.udpPortIsFree(changedPort) && Fixture.udpPortIsFree(addedPort));
        assertThat(peer.echoed("after", REPLY)).isTrue();
        assertThat(only(server.tunnels()).name()).isEqualTo("steady");
      }
      assertThat(echo.peers())
          .as("the unchanged tunnel kept its data connection and its peer's session")
          .hasSize(3);
    }
  }

  @Test
  void anOperatorClosingAUdpTunnelFreesItsPortEndsItsSessionsAndTellsItsClient() throws Exception {
    try (RunningClient client =
        RunningClient.start(
            server, udp("closing", echo.port(), 0), udp("staying", echo.port(), 0))) {
      int port = client.awaitReady("closing");
      int other = client.awaitReady("staying");
      TunnelInfo info =
          server.tunnels().stream()
              .filter(tunnel -> tunnel.name().equals("closing"))
              .findFirst()
              .orElseThrow();
      try (UdpPeer peer = UdpPeer.to(port)) {
        assertThat(peer.echoed("before", REPLY)).isTrue();
        assertThat(server.closeTunnel(info.id(), "closed by a test")).contains(info);
        assertThat(client.awaitClosed("closing")).contains("closed by a test");
        assertThat(Fixture.udpPortIsFree(port))
            .as("the port is free once closeTunnel returns")
            .isTrue();
        assertThat(info.traffic().connectionsActive()).as("its session ended").isZero();
        Fixture.eventually(
            WAIT, "the client's socket to the service to close", () -> socketsTo(echo.port()) == 0);
      }
      try (UdpPeer peer = UdpPeer.to(other)) {
        assertThat(peer.echoed("the other tunnel goes on", REPLY)).isTrue();
      }
    }
  }

  private static TunnelInfo only(List<TunnelInfo> tunnels) {
    assertThat(tunnels).hasSize(1);
    return tunnels.getFirst();
  }

  private static long socketsTo(int port) {
    try {
      return Fixture.udpSocketsConnectedTo(port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

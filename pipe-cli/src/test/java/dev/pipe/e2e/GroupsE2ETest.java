package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.pipe.balance.Strategy;
import dev.pipe.client.Balancing;
import dev.pipe.client.GroupSpec;
import dev.pipe.client.HealthCheck;
import dev.pipe.client.TunnelSpec;
import dev.pipe.proto.Message;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.PipeServer;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.TunnelInfo;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Load-balanced groups end to end: real clients join a group on one public port, and thousands of
 * user connections show how each strategy spreads them. Plain TCP (TLS changes nothing here and
 * would only slow the thousands of data connections).
 */
@Timeout(180)
class GroupsE2ETest {
  private static final String KEY = "group-key-5f1d";
  private static final int CONNECTIONS = 3_000;

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<String, Boolean> health = new ConcurrentHashMap<>();
  private PipeServer server;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : open.reversed()) {
      closeable.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void startServer(Duration heartbeat) throws Exception {
    ServerEvents observer =
        new ServerEvents() {
          @Override
          public void tunnelHealthChanged(TunnelInfo tunnel, boolean healthy, String reason) {
            health.put(tunnel.name(), healthy);
          }
        };
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(limits -> limits.heartbeatInterval(heartbeat))
                .build(),
            observer);
  }

  private static TunnelSpec member(
      String name, int localPort, Strategy strategy, int weight, Optional<HealthCheck> check) {
    return Fixture.tcp(name, localPort, 0)
        .withBalancing(
            new Balancing(
                List.of(),
                strategy,
                Optional.of(new GroupSpec("web", Secret.of(KEY), weight)),
                check));
  }

  /** Starts one service and one client per weight; returns the group's public port. */
  private int group(Strategy strategy, int... weights) throws Exception {
    int port = 0;
    for (int i = 0; i < weights.length; i++) {
      NamedService service = NamedService.start("m" + i);
      open.add(service);
      RunningClient client =
          RunningClient.start(
              server, member("m" + i, service.port(), strategy, weights[i], Optional.empty()));
      open.add(client);
      int ready = client.awaitReady("m" + i);
      assertThat(port == 0 || ready == port).as("every member on one port").isTrue();
      port = ready;
    }
    return port;
  }

  private static Map<String, Integer> spread(int port, int connections) throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < connections; i++) {
      counts.merge(NamedService.ask(Fixture.LOOPBACK, port), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinGivesThreeMembersExactlyAThirdEach() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.ROUND_ROBIN, 1, 1, 1);
    assertThat(spread(port, CONNECTIONS))
        .containsOnly(Map.entry("m0", 1_000), Map.entry("m1", 1_000), Map.entry("m2", 1_000));
  }

  @Test
  void weightedFollowsOneToTwoToThree() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.WEIGHTED, 1, 2, 3);
    Map<String, Integer> counts = spread(port, CONNECTIONS);
    assertThat(counts.get("m0") / (double) CONNECTIONS).isCloseTo(1 / 6.0, within(0.02 / 6));
    assertThat(counts.get("m1") / (double) CONNECTIONS).isCloseTo(2 / 6.0, within(0.04 / 6));
    assertThat(counts.get("m2") / (double) CONNECTIONS).isCloseTo(3 / 6.0, within(0.06 / 6));
  }

  @Test
  void randomPassesAChiSquareTest() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.RANDOM, 1, 1, 1);
    Map<String, Integer> counts = spread(port, CONNECTIONS);
    double expected = CONNECTIONS / 3.0;
    double chiSquare = 0;
    for (String member : List.of("m0", "m1", "m2")) {
      double diff = counts.getOrDefault(member, 0) - expected;
      chiSquare += diff * diff / expected;
    }
    // Two degrees of freedom: a fair draw exceeds 18.42 once in 10,000 runs.
    assertThat(chiSquare).as("chi-square of %s", counts).isLessThan(18.42);
    // ...and a draw that is not random at all (round robin gives exactly 0) is suspicious too.
    assertThat(chiSquare).as("chi-square of %s", counts).isGreaterThan(0.0);
  }

  @Test
  void leastConnectionsSendsNewConnectionsToTheMemberHoldingFewest() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.LEAST_CONNECTIONS, 1, 1, 1);
    Map<String, List<Socket>> held = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      Socket user = NamedService.open(Fixture.LOOPBACK, port);
      open.add(user);
      held.computeIfAbsent(NamedService.readName(user), name -> new ArrayList<>()).add(user);
    }
    assertThat(held).allSatisfy((name, sockets) -> assertThat(sockets).hasSize(2));

    for (Socket user : held.get("m1")) {
      user.close();
    }
    Fixture.eventually(
        Duration.ofSeconds(10), "m1's connections to end", () -> activeOf("m1") == 0);
    for (int i = 0; i < 2; i++) {
      Socket user = NamedService.open(Fixture.LOOPBACK, port);
      open.add(user);
      assertThat(NamedService.readName(user)).as("new long-lived connection %d", i).isEqualTo("m1");
    }
    // Now every member holds two again: the next three go one to each.
    List<String> next = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Socket user = NamedService.open(Fixture.LOOPBACK, port);
      open.add(user);
      next.add(NamedService.readName(user));
    }
    assertThat(next).containsExactlyInAnyOrder("m0", "m1", "m2");
  }

  private int activeOf(String tunnel) {
    return server.tunnels().stream()
        .filter(info -> info.name().equals(tunnel))
        .mapToInt(info -> info.traffic().connectionsActive())
        .sum();
  }

  @Test
  void ipHashKeepsEachAddressOnItsMemberAndRemovingOneRemapsOnlyItsShare() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.IP_HASH, 1, 1, 1, 1);
    List<String> sources = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      sources.add("127.1." + (i / 200) + "." + (1 + i % 200));
    }
    Map<String, String> before = new HashMap<>();
    for (String source : sources) {
      String first = NamedService.ask(source, port);
      assertThat(NamedService.ask(source, port))
          .as("second visit from %s", source)
          .isEqualTo(first);
      before.put(source, first);
    }
    assertThat(before.values()).contains("m0", "m1", "m2", "m3");

    // m2's client leaves (index 3 in open: service m0, client m0, service m1, client m1, ...).
    ((RunningClient) open.get(5)).close();
    Fixture.eventually(
        Duration.ofSeconds(10),
        "m2 to leave the group",
        () -> server.tunnels().stream().noneMatch(info -> info.name().equals("m2")));
    int moved = 0;
    for (String source : sources) {
      String now = NamedService.ask(source, port);
      if (before.get(source).equals("m2")) {
        assertThat(now).isNotEqualTo("m2");
        moved++;
      } else {
        assertThat(now).as("address %s did not belong to m2", source).isEqualTo(before.get(source));
      }
    }
    assertThat(moved).isPositive();
  }

  @Test
  void aFailingMemberLeavesTheRotationAndRejoinsWhenHealthy() throws Exception {
    startServer(Duration.ofSeconds(10));
    HealthCheck fast =
        new HealthCheck(
            HealthCheck.Kind.TCP, "/", Duration.ofMillis(100), Duration.ofMillis(100), 2, 2);
    NamedService a = NamedService.start("a");
    NamedService b = NamedService.start("b");
    open.add(b);
    RunningClient clientA =
        RunningClient.start(
            server, member("a", a.port(), Strategy.ROUND_ROBIN, 1, Optional.of(fast)));
    open.add(clientA);
    RunningClient clientB =
        RunningClient.start(
            server, member("b", b.port(), Strategy.ROUND_ROBIN, 1, Optional.of(fast)));
    open.add(clientB);
    int port = clientA.awaitReady("a");
    assertThat(clientB.awaitReady("b")).isEqualTo(port);
    assertThat(spread(port, 10)).containsOnly(Map.entry("a", 5), Map.entry("b", 5));

    int aPort = a.port();
    a.close();
    Fixture.eventually(
        Duration.ofSeconds(10), "the server to take a out", () -> health.get("a") == Boolean.FALSE);
    // Every connection succeeds, and all reach b: not one is sent to the dead member.
    assertThat(spread(port, 200)).containsOnly(Map.entry("b", 200));

    NamedService back = NamedService.start("a", aPort);
    open.add(back);
    Fixture.eventually(
        Duration.ofSeconds(10), "a to rejoin", () -> health.get("a") == Boolean.TRUE);
    assertThat(spread(port, 10)).containsOnly(Map.entry("a", 5), Map.entry("b", 5));
  }

  @Test
  void aKilledMemberIsOutOfTheRotationWithinTheHeartbeatTimeout() throws Exception {
    Duration heartbeat = Duration.ofMillis(200);
    startServer(heartbeat);
    int port = group(Strategy.ROUND_ROBIN, 1);
    // A client that joins and then goes silent, as a killed process (or a cut cable) does.
    RawClient silent = RawClient.connect(server.port());
    open.add(silent);
    assertThat(silent.login()).isInstanceOf(Message.LoginAccepted.class);
    silent.channel.send(
        new Message.JoinGroup(
            new Message.Forward("silent", TunnelType.TCP, port, List.of(), List.of()),
            "web",
            KEY,
            Strategy.ROUND_ROBIN,
            1));
    assertThat(silent.channel.receive()).isEqualTo(new Message.ForwardAccepted("silent", port));
    long joined = System.nanoTime();
    Fixture.eventually(
        heartbeat.multipliedBy(3).plusSeconds(3),
        "the silent member to be dropped",
        () -> server.tunnels().stream().noneMatch(info -> info.name().equals("silent")));
    assertThat(Duration.ofNanos(System.nanoTime() - joined))
        .isGreaterThanOrEqualTo(heartbeat.multipliedBy(2));
    assertThat(spread(port, 20)).containsOnly(Map.entry("m0", 20));
  }

  @Test
  void aWrongKeyOrAnotherStrategyIsRejectedWithAReasonThatHidesTheKey() throws Exception {
    startServer(Duration.ofSeconds(10));
    int port = group(Strategy.ROUND_ROBIN, 1);
    NamedService service = NamedService.start("x");
    open.add(service);
    TunnelSpec wrongKey =
        Fixture.tcp("x", service.port(), port)
            .withBalancing(
                new Balancing(
                    List.of(),
                    Strategy.ROUND_ROBIN,
                    Optional.of(new GroupSpec("web", Secret.of("not-the-key-91"), 1)),
                    Optional.empty()));
    TunnelSpec otherStrategy = member("y", service.port(), Strategy.IP_HASH, 1, Optional.empty());
    TunnelSpec alone = Fixture.tcp("z", service.port(), 0);
    RunningClient client = RunningClient.start(server, wrongKey, otherStrategy, alone);
    open.add(client);
    assertThat(client.awaitRejected("x"))
        .contains("wrong group_key for group 'web'")
        .doesNotContain("not-the-key-91")
        .doesNotContain(KEY);
    assertThat(client.awaitRejected("y"))
        .contains("balances with strategy round_robin but this member asks for ip_hash");
    client.awaitReady("z");
    assertThat(spread(port, 6)).containsOnly(Map.entry("m0", 6));
  }

  @Test
  void aUdpTunnelCannotJoinAGroup() throws Exception {
    startServer(Duration.ofSeconds(10));
    RawClient raw = RawClient.connect(server.port());
    open.add(raw);
    assertThat(raw.login()).isInstanceOf(Message.LoginAccepted.class);
    raw.channel.send(
        new Message.JoinGroup(
            new Message.Forward("voice", TunnelType.UDP, 0, List.of(), List.of()),
            "web",
            KEY,
            Strategy.ROUND_ROBIN,
            1));
    assertThat(raw.channel.receive())
        .isInstanceOfSatisfying(
            Message.ForwardRejected.class,
            rejected ->
                assertThat(rejected.reason())
                    .contains("a udp tunnel cannot join a load-balanced group")
                    .doesNotContain(KEY));
    assertThat(server.tunnels()).isEmpty();
    // The session goes on: the same tunnel alone on its port is fine.
    assertThat(raw.forward("voice", TunnelType.UDP, 0)).isInstanceOf(Message.ForwardAccepted.class);
  }

  @Test
  void oneClientBalancesOverSeveralLocalTargets() throws Exception {
    startServer(Duration.ofSeconds(10));
    NamedService first = NamedService.start("first");
    NamedService second = NamedService.start("second");
    open.add(first);
    open.add(second);
    TunnelSpec spec =
        Fixture.tcp("multi", first.port(), 0)
            .withBalancing(
                new Balancing(
                    List.of(new dev.pipe.config.HostPort(Fixture.LOOPBACK, second.port())),
                    Strategy.ROUND_ROBIN,
                    Optional.empty(),
                    Optional.empty()));
    RunningClient client = RunningClient.start(server, spec);
    open.add(client);
    int port = client.awaitReady("multi");
    assertThat(spread(port, 100)).containsOnly(Map.entry("first", 50), Map.entry("second", 50));

    // A target that stops is skipped at once, even before any health check: the next one serves.
    second.close();
    assertThat(spread(port, 20)).containsOnly(Map.entry("first", 20));
  }
}

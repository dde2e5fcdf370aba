package dev.pipe.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every strategy on plain objects: no sockets, exact counts. */
class StrategyTest {
  private static final InetAddress USER = address(10, 0, 0, 1);

  /** A backend whose connection count the test sets by hand. */
  static final class Fake implements Backend {
    final String key;
    final int weight;
    int active;

    Fake(String key, int weight) {
      this.key = key;
      this.weight = weight;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public int weight() {
      return weight;
    }

    @Override
    public int activeConnections() {
      return active;
    }

    @Override
    public String toString() {
      return key;
    }
  }

  private static List<Fake> backends(int... weights) {
    List<Fake> list = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      list.add(new Fake("b" + i, weights[i]));
    }
    return list;
  }

  private static Map<String, Integer> count(Picker picker, List<Fake> backends, int picks) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(picker.pick(backends, USER).key, 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobinGivesEachExactlyItsTurn() {
    assertThat(count(Strategy.ROUND_ROBIN.newPicker(), backends(1, 1, 1), 3_000))
        .containsOnly(Map.entry("b0", 1_000), Map.entry("b1", 1_000), Map.entry("b2", 1_000));
  }

  @Test
  void weightedIsExactPerCycleAndSmooth() {
    Picker picker = Strategy.WEIGHTED.newPicker();
    List<Fake> three = backends(5, 1, 1);
    List<String> cycle = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      cycle.add(picker.pick(three, USER).key);
    }
    assertThat(cycle).containsExactly("b0", "b0", "b1", "b0", "b2", "b0", "b0");
    assertThat(count(Strategy.WEIGHTED.newPicker(), backends(1, 2, 3), 3_000))
        .containsOnly(Map.entry("b0", 500), Map.entry("b1", 1_000), Map.entry("b2", 1_500));
  }

  @Test
  void weightedForgetsABackendThatLeftAndSharesAmongTheRest() {
    Picker picker = Strategy.WEIGHTED.newPicker();
    List<Fake> all = backends(1, 2, 3);
    count(picker, all, 10);
    List<Fake> two = List.of(all.get(0), all.get(2));
    assertThat(count(picker, two, 400)).containsOnly(Map.entry("b0", 100), Map.entry("b2", 300));
  }

  @Test
  void leastConnectionsPicksTheIdlestAndSharesTies() {
    Picker picker = Strategy.LEAST_CONNECTIONS.newPicker();
    List<Fake> list = backends(1, 1, 1);
    list.get(0).active = 5;
    list.get(1).active = 2;
    list.get(2).active = 7;
    assertThat(picker.pick(list, USER).key).isEqualTo("b1");
    list.forEach(b -> b.active = 0);
    assertThat(count(picker, list, 300))
        .containsOnly(Map.entry("b0", 100), Map.entry("b1", 100), Map.entry("b2", 100));
  }

  @Test
  void leastConnectionsCountsPerUnitOfWeight() {
    List<Fake> list = backends(1, 4);
    list.get(0).active = 2;
    list.get(1).active = 6;
    assertThat(Strategy.LEAST_CONNECTIONS.newPicker().pick(list, USER).key).isEqualTo("b1");
  }

  @Test
  void randomFollowsTheWeights() {
    Picker picker = new WeightedRandom(new SplittableRandom(42));
    Map<String, Integer> counts = count(picker, backends(1, 3), 40_000);
    assertThat(counts.get("b0")).isBetween(9_500, 10_500);
    assertThat(counts.get("b1")).isBetween(29_500, 30_500);
  }

  @Test
  void ipHashKeepsAnAddressOnItsBackend() {
    Picker picker = Strategy.IP_HASH.newPicker();
    List<Fake> list = backends(1, 1, 1, 1);
    for (int i = 0; i < 200; i++) {
      InetAddress user = address(10, 1, i, 7);
      Fake first = picker.pick(list, user);
      assertThat(picker.pick(list, user)).isSameAs(first);
    }
  }

  @Test
  void ipHashRemapsOnlyTheAddressesOfABackendThatLeaves() {
    List<Fake> four = backends(1, 1, 1, 1);
    List<Fake> three = List.of(four.get(0), four.get(1), four.get(3));
    Picker before = Strategy.IP_HASH.newPicker();
    Picker after = Strategy.IP_HASH.newPicker();
    Map<String, Integer> shares = new HashMap<>();
    int moved = 0;
    for (int i = 0; i < 4_000; i++) {
      InetAddress user = address(10, 2, i / 250, i % 250);
      Fake was = before.pick(four, user);
      Fake now = after.pick(three, user);
      shares.merge(was.key, 1, Integer::sum);
      if (was != four.get(2)) {
        assertThat(now).as("address %s moved from %s", user, was).isSameAs(was);
      } else {
        moved++;
      }
    }
    assertThat(moved).isEqualTo(shares.get("b2"));
    // Each of four backends holds a fair share of the addresses (64 points each keeps it near).
    assertThat(shares.values()).allSatisfy(share -> assertThat(share).isBetween(600, 1_400));
  }

  @Test
  void ipHashDoesNotDependOnTheOrderBackendsJoined() {
    List<Fake> list = backends(1, 1, 1);
    List<Fake> reversed = List.of(list.get(2), list.get(1), list.get(0));
    Picker a = Strategy.IP_HASH.newPicker();
    Picker b = Strategy.IP_HASH.newPicker();
    for (int i = 0; i < 500; i++) {
      InetAddress user = address(192, 168, i / 250, i % 250);
      assertThat(a.pick(list, user)).isSameAs(b.pick(reversed, user));
    }
  }

  @Test
  void namesParseAndUnknownOnesSayWhatExists() {
    for (Strategy strategy : Strategy.values()) {
      assertThat(Strategy.parse(strategy.wireName())).isEqualTo(strategy);
    }
    assertThatThrownBy(() -> Strategy.parse("fastest"))
        .hasMessageContaining("round_robin, weighted, ip_hash, least_connections, random");
  }

  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}

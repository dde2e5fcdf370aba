package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.example.UdpEchoServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link DatagramRelay} against a real UDP echo service on 127.0.0.1. */
@Timeout(30)
class DatagramRelayE2ETest {
  private static final int MAX_DATAGRAM = 65_507;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private record Reply(int session, String text) {}

  private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
  private UdpEchoServer service;
  private DatagramRelay relay;

  @BeforeEach
  void startEcho() throws IOException {
    service = UdpEchoServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
    service.close();
  }

  private DatagramRelay start(int port, int maxSessions, RateLimiter limiter) throws IOException {
    return DatagramRelay.start(
        "test",
        new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
        maxSessions,
        MAX_DATAGRAM,
        limiter,
        (session, payload) -> replies.add(new Reply(session, utf8(payload))));
  }

  @Test
  void everySessionGetsBackOnlyWhatItSentFromAnAddressOfItsOwn() throws Exception {
    relay = start(service.port(), 100, null);
    for (int round = 0; round < 20; round++) {
      for (int session = 0; session < 10; session++) {
        assertThat(relay.send(session, bytes("session " + session + " round " + round))).isTrue();
      }
    }
    List<Reply> received = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      received.add(replies.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
    }
    assertThat(received).doesNotContainNull();
    for (Reply reply : received) {
      assertThat(reply.text()).startsWith("session " + reply.session() + " round ");
    }
    assertThat(relay.sessions()).isEqualTo(10);
    assertThat(service.peers()).hasSize(10);
    assertThat(relay.counts().toServiceCount()).isEqualTo(200);
    assertThat(relay.counts().toPeersCount()).isEqualTo(200);
    assertThat(relay.counts().droppedCount()).isZero();
  }

  @Test
  void theLargestDatagramIsRelayedAsItIsAndAnEmptyOneIsDroppedAndCounted() throws Exception {
    List<byte[]> got = new ArrayList<>();
    relay =
        DatagramRelay.start(
            "sizes",
            new InetSocketAddress("127.0.0.1", service.port()),
            10,
            MAX_DATAGRAM,
            null,
            (session, payload) -> {
              synchronized (got) {
                got.add(payload);
              }
            });
    byte[] largest = new byte[MAX_DATAGRAM];
    new java.util.Random(3).nextBytes(largest);
    assertThat(relay.send(1, largest)).isTrue();
    eventually("the largest datagram", () -> size(got) == 1);
    synchronized (got) {
      assertThat(got.getFirst()).isEqualTo(largest);
    }
    assertThat(relay.send(1, new byte[0])).isFalse();
    assertThat(relay.counts().droppedCount()).isEqualTo(1);
  }

  @Test
  void aServiceThatIsDownCostsDropsNotTheRelayAndWorksAgainWhenItIsBack() throws Exception {
    int port = service.port();
    service.close();
    relay = start(port, 10, null);
    for (int i = 0; i < 5; i++) {
      relay.send(1, bytes("into the void " + i));
    }
    eventually("drops to be counted", () -> relay.counts().droppedCount() > 0);
    assertThat(replies).isEmpty();

    service = UdpEchoServer.start("127.0.0.1", port);
    eventually(
        "a reply once the service is back",
        () -> {
          relay.send(1, bytes("hello again"));
          return replies.stream().anyMatch(r -> r.text().equals("hello again"));
        });
    assertThat(relay.sessions()).as("the same session survived").isEqualTo(1);
  }

  @Test
  void beyondTheSessionLimitNewSessionsAreDroppedAndTheOthersKeepWorking() throws Exception {
    relay = start(service.port(), 2, null);
    assertThat(relay.send(1, bytes("one"))).isTrue();
    assertThat(relay.send(2, bytes("two"))).isTrue();
    assertThat(relay.send(3, bytes("three"))).isFalse();
    assertThat(relay.counts().droppedCount()).isEqualTo(1);
    assertThat(relay.send(1, bytes("one again"))).isTrue();
    Set<String> texts = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      texts.add(replies.poll(WAIT.toSeconds(), TimeUnit.SECONDS).text());
    }
    assertThat(texts).containsExactlyInAnyOrder("one", "two", "one again");
    assertThat(relay.sessions()).isEqualTo(2);
  }

  @Test
  void aClosedSessionComesBackWithANewSocket() throws Exception {
    relay = start(service.port(), 10, null);
    relay.send(1, bytes("first"));
    assertThat(replies.poll(WAIT.toSeconds(), TimeUnit.SECONDS).text()).isEqualTo("first");
    relay.close(1);
    assertThat(relay.sessions()).isZero();
    relay.send(1, bytes("second"));
    assertThat(replies.poll(WAIT.toSeconds(), TimeUnit.SECONDS).text()).isEqualTo("second");
    assertThat(service.peers()).as("the service saw two different sockets").hasSize(2);
    relay.close();
    assertThat(relay.sessions()).isZero();
    assertThat(relay.send(2, bytes("after close"))).isFalse();
  }

  @Test
  void repliesArePacedByTheLimiter() throws Exception {
    // 60 replies of 1,000 bytes at 20,000 bytes per second: the limiter stores at most one second
    // of permits, a burst of 20,000 bytes, so the other 40,000 take at least 2 s (less slack).
    relay = start(service.port(), 10, RateLimiter.create(20_000));
    long started = System.nanoTime();
    for (int i = 0; i < 60; i++) {
      relay.send(1, new byte[1_000]);
    }
    for (int i = 0; i < 60; i++) {
      assertThat(replies.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_500));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int size(List<byte[]> list) {
    synchronized (list) {
      return list.size();
    }
  }

  private static void eventually(String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}

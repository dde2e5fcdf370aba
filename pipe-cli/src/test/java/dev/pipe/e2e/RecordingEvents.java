package dev.pipe.e2e;

import dev.pipe.server.HandshakeFailure;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.ServerLimit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The limits and failed logins a server reports, as metrics would count them. */
final class RecordingEvents implements ServerEvents {
  private final List<ServerLimit> limits = new CopyOnWriteArrayList<>();
  private final List<HandshakeFailure> failures = new CopyOnWriteArrayList<>();

  @Override
  public void limitHit(ServerLimit limit) {
    limits.add(limit);
  }

  @Override
  public void handshakeFailed(HandshakeFailure reason) {
    failures.add(reason);
  }

  void awaitLimit(ServerLimit limit) throws InterruptedException {
    Fixture.eventually(Duration.ofSeconds(15), "limit " + limit, () -> limits.contains(limit));
  }

  void awaitFailure(HandshakeFailure failure) throws InterruptedException {
    Fixture.eventually(
        Duration.ofSeconds(15), "handshake failure " + failure, () -> failures.contains(failure));
  }
}

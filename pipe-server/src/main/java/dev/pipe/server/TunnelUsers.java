package dev.pipe.server;

import dev.pipe.config.SourceFilter;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proxy.RateLimitedLog;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of one {@link StreamTunnel}: who may connect (the tunnel's and its owner's source
 * lists, checked before any byte flows), how many at once ({@code max_connections_per_tunnel}), and
 * the connections it carries now, so that an operator who closes the tunnel cuts them too. Every
 * TCP, http and https tunnel admits its users here; a relay's circuits count against {@link
 * CircuitSlots}.
 */
final class TunnelUsers {
  private static final Logger log = LoggerFactory.getLogger(TunnelUsers.class);

  /** What {@link #admit} decided. */
  enum Verdict {
    ADMITTED,
    SOURCE_DENIED,
    TUNNEL_FULL
  }

  private final String where;
  private final SourceFilter tunnelSources;
  private final SourceFilter userSources;
  private final IntSupplier maxConnections;
  private final ServerEvents events;
  private final AtomicInteger connections = new AtomicInteger();
  private final RateLimitedLog tunnelFull = new RateLimitedLog(log);
  private final RateLimitedLog sourceDenied = new RateLimitedLog(log);
  private final SplicedSockets carried = new SplicedSockets();

  /**
   * @param where names the tunnel in log lines, like {@code tunnel=web port=9000}
   * @param maxConnections read at each admission, so that a reload changes it at once
   */
  TunnelUsers(
      String where,
      SourceFilter tunnelSources,
      SourceFilter userSources,
      IntSupplier maxConnections,
      ServerEvents events) {
    this.where = where;
    this.tunnelSources = tunnelSources;
    this.userSources = userSources;
    this.maxConnections = maxConnections;
    this.events = events;
  }

  /**
   * Admits a user from {@code source}, which then counts against the limit until {@link
   * #connectionEnded()}; a refusal is reported and logged (at most once a minute).
   */
  Verdict admit(InetSocketAddress source) {
    if (!tunnelSources.permits(source.getAddress()) || !userSources.permits(source.getAddress())) {
      events.limitHit(ServerLimit.SOURCE_LISTS);
      sourceDenied.warn(
          "{} refused user {}: its address is not allowed (allow_sources/deny_sources)",
          where,
          ControlChannel.describe(source));
      return Verdict.SOURCE_DENIED;
    }
    int limit = maxConnections.getAsInt();
    if (connections.incrementAndGet() > limit) {
      connections.decrementAndGet();
      events.limitHit(ServerLimit.MAX_CONNECTIONS_PER_TUNNEL);
      tunnelFull.warn(
          "{} refused a user connection: it already has {} (max_connections_per_tunnel)",
          where,
          limit);
      return Verdict.TUNNEL_FULL;
    }
    return Verdict.ADMITTED;
  }

  /** User connections admitted and not ended yet: what {@code least_connections} balances by. */
  int connections() {
    return connections.get();
  }

  /** A user connection of this tunnel has ended, wherever that happened. */
  void connectionEnded() {
    connections.decrementAndGet();
  }

  /**
   * Remembers a user connection that is being carried; false if the tunnel's connections were cut
   * already, and then the caller must close it.
   */
  boolean track(Socket user) {
    return carried.track(user);
  }

  void untrack(Socket user) {
    carried.untrack(user);
  }

  /** Closes every carried connection of this tunnel, and any that is about to be tracked. */
  void cutConnections() {
    carried.cutAll();
  }
}

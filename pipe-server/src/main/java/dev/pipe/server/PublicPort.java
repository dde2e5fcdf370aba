package dev.pipe.server;

import dev.pipe.proto.TunnelType;

/** The public end of one tunnel on this server: a TCP listener or a UDP socket on its port. */
sealed interface PublicPort extends AutoCloseable permits PublicListener, PublicDatagramPort {
  String tunnel();

  TunnelType type();

  int port();

  /** Starts serving users (TCP) or peers (UDP) on its own thread. */
  void start();

  /** Stops serving and frees the port; returns once the port can be bound again. */
  @Override
  void close();
}

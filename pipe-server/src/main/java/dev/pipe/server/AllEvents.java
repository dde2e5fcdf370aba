package dev.pipe.server;

import java.util.List;

/** Passes each event on to several observers, in order. */
final class AllEvents implements ServerEvents {
  private final List<ServerEvents> observers;

  AllEvents(List<ServerEvents> observers) {
    this.observers = observers;
  }

  @Override
  public void clientConnected(ClientInfo client) {
    observers.forEach(observer -> observer.clientConnected(client));
  }

  @Override
  public void clientLeft(ClientInfo client) {
    observers.forEach(observer -> observer.clientLeft(client));
  }

  @Override
  public void tunnelOpened(TunnelInfo tunnel) {
    observers.forEach(observer -> observer.tunnelOpened(tunnel));
  }

  @Override
  public void tunnelClosed(TunnelInfo tunnel, String reason) {
    observers.forEach(observer -> observer.tunnelClosed(tunnel, reason));
  }

  @Override
  public void userConnectionDispatched(TunnelInfo tunnel, boolean pooled) {
    observers.forEach(observer -> observer.userConnectionDispatched(tunnel, pooled));
  }

  @Override
  public void connectionOpened(TunnelInfo tunnel) {
    observers.forEach(observer -> observer.connectionOpened(tunnel));
  }

  @Override
  public void connectionClosed(TunnelInfo tunnel) {
    observers.forEach(observer -> observer.connectionClosed(tunnel));
  }

  @Override
  public void tunnelHealthChanged(TunnelInfo tunnel, boolean healthy, String reason) {
    observers.forEach(observer -> observer.tunnelHealthChanged(tunnel, healthy, reason));
  }

  @Override
  public void handshakeFailed(HandshakeFailure reason) {
    observers.forEach(observer -> observer.handshakeFailed(reason));
  }

  @Override
  public void limitHit(ServerLimit limit) {
    observers.forEach(observer -> observer.limitHit(limit));
  }
}

package dev.pipe.client;

import java.util.Locale;

/** Where a configured tunnel stands, as {@code pipe status} shows it. */
public enum TunnelState {
  /** Not open yet: the client is connecting or waiting for the server's answer. */
  CONNECTING,
  /** Open: users reach it on its public port. */
  READY,
  /** The server refused it (port taken or not allowed); tried again after a reconnect. */
  REJECTED,
  /** The connection to the server is lost; the client reconnects and asks for it again. */
  OFFLINE,
  /** An operator closed it on the server; the client does not ask for it again until restarted. */
  CLOSED;

  /** The lowercase name shown to users. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}

package dev.pipe.client;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Message;
import dev.pipe.proxy.Sockets;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relay circuits this client carries, as visitor or as provider, so that what the server says
 * about one on the control connection (closed at a limit, slowed down) reaches it and the user.
 */
final class OpenCircuits {
  private record Circuit(ConnectionId id, String tunnel, Socket socket) {}

  /** Forgets a circuit when it ends. */
  interface Registration {
    void close();
  }

  private final Set<Circuit> open = ConcurrentHashMap.newKeySet();
  private final ClientListener listener;

  OpenCircuits(ClientListener listener) {
    this.listener = listener;
  }

  /** Remembers a circuit until the returned handle is closed. */
  Registration add(ConnectionId id, String tunnel, Socket socket) {
    Circuit circuit = new Circuit(id, tunnel, socket);
    open.add(circuit);
    return () -> open.remove(circuit);
  }

  /**
   * The server ended a circuit: tell the user why, and close our end (the server closes its side
   * too, but the reason must come first). Unknown ids are circuits that already ended.
   */
  void closedByServer(Message.CircuitClosed closed) {
    for (Circuit circuit : open) {
      if (circuit.id().equals(closed.id()) && open.remove(circuit)) {
        listener.circuitClosed(circuit.tunnel(), closed.reason());
        Sockets.closeQuietly(circuit.socket());
      }
    }
  }

  /** The server slows a circuit to its rate limit: tell the user, once per circuit. */
  void throttled(Message.CircuitThrottled throttled) {
    for (Circuit circuit : open) {
      if (circuit.id().equals(throttled.id())) {
        listener.circuitThrottled(circuit.tunnel(), throttled.bytesPerSecond());
      }
    }
  }
}

package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proxy.ActiveSplices;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Splice;
import dev.pipe.proxy.Traffic;
import dev.pipe.relay.RelayKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor at run time: listens on its local address, and turns each local connection into a
 * circuit through the server to the relay tunnel's provider, encrypted end to end. It keeps its
 * state and traffic for {@code pipe status}; "in" is what local programs send, "out" what they get.
 */
final class Visitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Visitor.class);
  private static final int BACKLOG = 64;

  private final VisitorSpec spec;
  private final ServerDialer dialer;
  private final ActiveSplices active;
  private final ClientListener listener;
  private final BooleanSupplier connected;
  private final RelayKeys keys;
  private final Traffic traffic = new Traffic();
  private volatile ServerSocket serverSocket;
  private volatile Thread acceptThread;

  Visitor(
      VisitorSpec spec,
      ServerDialer dialer,
      ActiveSplices active,
      ClientListener listener,
      BooleanSupplier connected) {
    this.spec = spec;
    this.dialer = dialer;
    this.active = active;
    this.listener = listener;
    this.connected = connected;
    this.keys = RelayKeys.derive(spec.name(), spec.secret());
  }

  VisitorSpec spec() {
    return spec;
  }

  /** The local port it listens on; valid after {@link #listen()}. */
  int port() {
    return serverSocket.getLocalPort();
  }

  /** Binds the local address and starts accepting; a taken address is the user's to fix. */
  void listen() throws ClientFailure {
    ServerSocket socket = null;
    try {
      socket = new ServerSocket();
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(spec.bind().host(), spec.bind().port()), BACKLOG);
    } catch (IOException e) {
      Sockets.closeQuietly(socket);
      throw new ClientFailure(
          "visitor of "
              + spec.name()
              + " cannot listen on "
              + spec.bind()
              + ": "
              + e.getMessage()
              + "; choose another --bind");
    }
    serverSocket = socket;
    acceptThread = Thread.ofVirtual().name("visit-" + spec.name()).start(this::acceptLoop);
  }

  private void acceptLoop() {
    while (!serverSocket.isClosed()) {
      Socket local;
      try {
        local = serverSocket.accept();
      } catch (IOException e) {
        if (!serverSocket.isClosed()) {
          log.warn("visitor of {} stopped accepting: {}", spec.name(), e.toString());
        }
        return;
      }
      Thread.ofVirtual().name("circuit-" + spec.name()).start(() -> serve(local));
    }
  }

  /** Serves one local connection: a circuit, its handshake, then the splice. */
  private void serve(Socket local) {
    if (!connected.getAsBoolean()) {
      listener.circuitRefused(
          spec, "not connected to server " + dialer.server() + " (reconnecting); try again soon");
      Sockets.closeQuietly(local);
      return;
    }
    ServerDialer.OpenedCircuit opened;
    try {
      Sockets.tune(local);
      opened = dialer.openCircuit(keys);
    } catch (CircuitRefused e) {
      listener.circuitRefused(spec, e.getMessage());
      Sockets.closeQuietly(local);
      return;
    } catch (IOException | ClientFailure e) {
      listener.circuitRefused(
          spec, "cannot reach server " + dialer.server() + ": " + e.getMessage());
      Sockets.closeQuietly(local);
      return;
    }
    Socket socket = opened.socket();
    SealedCircuit circuit;
    try {
      circuit = SealedCircuit.visitor(socket, keys, opened.opened().id());
    } catch (IOException e) {
      listener.circuitBroken(spec.name(), e.getMessage());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(socket);
      return;
    }
    log.debug(
        "visitor of {}: circuit id={} open (relay limits: {} ms, {} bytes/s; 0 is none)",
        spec.name(),
        opened.opened().id(),
        opened.opened().maxDurationMillis(),
        opened.opened().bytesPerSecond());
    traffic.connectionOpened();
    try {
      active.run(
          Splice.Side.of(local).counting(traffic.in()),
          circuit.side().counting(traffic.out()),
          "circuit-" + spec.name());
    } catch (IOException e) {
      log.debug("visitor of {} circuit failed: {}", spec.name(), e.toString());
      Sockets.closeQuietly(local);
      Sockets.closeQuietly(socket);
    } finally {
      traffic.connectionClosed();
    }
    CircuitReports.ended(log, listener, spec.name(), opened.opened().id(), circuit);
  }

  /** A row of {@code pipe status}: a visitor shows as type {@code visit}, without a public port. */
  TunnelStatus status() {
    HostPort bound = serverSocket == null ? spec.bind() : new HostPort(spec.bind().host(), port());
    return new TunnelStatus(
        spec.name(),
        "visit",
        bound.toString(),
        0,
        List.of(),
        (connected.getAsBoolean() ? TunnelState.READY : TunnelState.OFFLINE).label(),
        "",
        traffic.connectionsActive(),
        traffic.connectionsTotal(),
        traffic.bytesIn(),
        traffic.bytesOut());
  }

  @Override
  public void close() {
    if (serverSocket != null) {
      Sockets.closeListener(serverSocket, acceptThread);
    }
  }
}

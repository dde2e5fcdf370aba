package dev.pipe.server;

import dev.pipe.config.SourceFilter;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.DatagramCounts;
import dev.pipe.proxy.RateLimitedLog;
import dev.pipe.proxy.Sockets;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public UDP socket of one UDP tunnel. Each peer (address and port) that sends to it gets a
 * session number ({@link PeerSessions}); its datagrams travel to the client as {@link
 * Message.Datagram} frames over the tunnel's one data connection, and a frame coming back is sent,
 * from this socket, to the peer of its session and to no other.
 *
 * <p>Threads: {@code udp-PORT} asks the client for the data connection (an {@code Exchange}), then
 * receives from peers and writes their frames, and ends idle sessions. The data connection's own
 * thread reads the frames coming back and sends them to the peers. While there is no data
 * connection, nothing is read from the socket: datagrams wait in the kernel's buffer and reach the
 * client once the connection is up, rather than being lost in the moment after the tunnel opens or
 * while a failed connection is replaced. Both directions live in this one class because they share
 * the session table; the data connection's life is {@link DatagramConnectionSlot}'s.
 *
 * <p>For the server's events a peer session counts as a user connection: opened with its first
 * datagram from a source the tunnel admits, within {@code max_connections_per_tunnel}, closed when
 * it idles out or its data connection ends. Payload bytes count in the tunnel's {@link
 * dev.pipe.proxy.Traffic}: from peers as in, back to them as out.
 */
final class PublicDatagramPort implements PublicEndpoint {
  private static final Logger log = LoggerFactory.getLogger(PublicDatagramPort.class);

  /** Larger than any UDP payload, so an oversized datagram is seen as such instead of cut. */
  private static final int RECEIVE_BUFFER_BYTES = 64 * 1024;

  private static final Duration MIN_SWEEP = Duration.ofMillis(25);
  private static final Duration MAX_SWEEP = Duration.ofSeconds(1);

  private final ControlSession owner;
  private final TunnelInfo info;
  private final DatagramSocket socket;
  private final int port;
  private final UdpSessions settings;
  private final SourceFilter tunnelSources;
  private final IntSupplier maxConnections;
  private final ServerEvents events;
  private final DatagramChannelRequests requests;
  private final DatagramConnectionSlot slot;
  private final PeerSessions sessions;
  private final DatagramCounts counts = new DatagramCounts();
  private final RateLimitedLog overCapLog = new RateLimitedLog(log);
  private final RateLimitedLog dropLog = new RateLimitedLog(log);
  private final RateLimitedLog sourceDenied = new RateLimitedLog(log);
  private final RateLimitedLog tunnelFull = new RateLimitedLog(log);
  private final Duration sweepInterval;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread receiveThread;

  /** Asks the owning client for this tunnel's data connection. */
  private final DatagramConnectionSlot.Asker asker =
      new DatagramConnectionSlot.Asker() {
        @Override
        public void ask(ConnectionId id) {
          requests.register(id, PublicDatagramPort.this);
          try {
            owner.send(new Message.Exchange(id, tunnel()));
          } catch (IOException e) {
            // The control connection failed; its session ends and closes this port.
            log.debug(
                "tunnel={} could not ask for a udp data connection: {}", tunnel(), e.toString());
          }
        }

        @Override
        public void forget(ConnectionId id) {
          requests.forget(id);
        }

        @Override
        public void unanswered(Duration timeout) {
          log.warn(
              "tunnel={} udp port={}: no data connection from the client within {} ms; asking"
                  + " again",
              tunnel(),
              port,
              timeout.toMillis());
        }
      };

  PublicDatagramPort(
      ControlSession owner,
      TunnelInfo info,
      DatagramSocket socket,
      UdpSessions settings,
      SourceFilter tunnelSources,
      IntSupplier maxConnections,
      DatagramChannelRequests requests,
      Duration requestTimeout,
      ServerEvents events) {
    this.owner = owner;
    this.info = info;
    this.socket = socket;
    // Kept: a closed DatagramSocket no longer knows its port, and the last log line names it.
    this.port = socket.getLocalPort();
    this.settings = settings;
    this.tunnelSources = tunnelSources;
    this.maxConnections = maxConnections;
    this.events = events;
    this.requests = requests;
    this.slot = new DatagramConnectionSlot(requestTimeout);
    this.sessions = new PeerSessions(settings.maxSessions(), settings.idleTimeout());
    Duration quarter = settings.idleTimeout().dividedBy(4);
    this.sweepInterval =
        quarter.compareTo(MIN_SWEEP) < 0
            ? MIN_SWEEP
            : quarter.compareTo(MAX_SWEEP) > 0 ? MAX_SWEEP : quarter;
  }

  @Override
  public TunnelInfo info() {
    return info;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String describe() {
    return port + "/udp";
  }

  @Override
  public ControlSession owner() {
    return owner;
  }

  @Override
  public void start() {
    receiveThread = Thread.ofVirtual().name("udp-" + port).start(this::run);
  }

  /** A UDP tunnel has one local service and no rotation to leave: the verdict changes nothing. */
  @Override
  public boolean health(boolean healthy) {
    return false;
  }

  /** Closing the tunnel already ended its data connection and with it every session. */
  @Override
  public void cutConnections() {}

  private void run() {
    DatagramPacket packet =
        new DatagramPacket(new byte[RECEIVE_BUFFER_BYTES], RECEIVE_BUFFER_BYTES);
    try {
      socket.setSoTimeout(Math.toIntExact(sweepInterval.toMillis()));
      ControlChannel current;
      while ((current = slot.await(asker)) != null) {
        relayFromPeers(current, packet);
        // The client closes its sockets with the connection; the numbers mean nothing any more.
        endAllSessions();
      }
    } catch (IOException e) {
      if (!closed.get()) {
        log.warn("tunnel={} udp port={} stopped: {}", tunnel(), port, e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      endAllSessions();
    }
  }

  private void endAllSessions() {
    for (int i = sessions.size(); i > 0; i--) {
      sessionEnded();
    }
    sessions.clear();
  }

  private void sessionEnded() {
    info.traffic().connectionClosed();
    events.connectionClosed(info);
  }

  /** Receives from peers and passes their datagrams on until {@code current} ends. */
  private void relayFromPeers(ControlChannel current, DatagramPacket packet) throws IOException {
    long nextSweep = System.nanoTime() + sweepInterval.toNanos();
    while (slot.holds(current)) {
      try {
        packet.setLength(RECEIVE_BUFFER_BYTES);
        socket.receive(packet);
        fromPeer(current, packet);
      } catch (SocketTimeoutException e) {
        // Nothing arrived for a sweep interval: time to end idle sessions.
      } catch (PortUnreachableException e) {
        // Some systems report a gone peer's ICMP error on the next receive: it is gone, go on.
      }
      long now = System.nanoTime();
      if (now - nextSweep >= 0) {
        for (PeerSessions.Session session : sessions.expire(now)) {
          log.debug(
              "tunnel={} session={} peer={} closed: idle for {} ms",
              tunnel(),
              session.id(),
              ControlChannel.describe(session.peer()),
              settings.idleTimeoutMillis());
          sessionEnded();
          sendOrDetach(current, new Message.SessionClosed(session.id()));
        }
        nextSweep = now + sweepInterval.toNanos();
      }
    }
  }

  private void fromPeer(ControlChannel current, DatagramPacket packet) {
    InetSocketAddress peer = (InetSocketAddress) packet.getSocketAddress();
    if (packet.getLength() > Limits.MAX_DATAGRAM_BYTES) {
      drop(
          peer,
          packet.getLength()
              + " bytes exceed the "
              + Limits.MAX_DATAGRAM_BYTES
              + " a tunnel carries");
      return;
    }
    long now = System.nanoTime();
    PeerSessions.Session session = sessions.find(peer, now);
    if (session == null) {
      session = openSession(peer, now);
      if (session == null) {
        return;
      }
    }
    byte[] payload =
        Arrays.copyOfRange(
            packet.getData(), packet.getOffset(), packet.getOffset() + packet.getLength());
    if (sendOrDetach(current, new Message.Datagram(session.id(), payload))) {
      counts.toService();
      info.traffic().in().add(payload.length);
    }
  }

  /**
   * A session for a peer seen for the first time; null (and its datagram dropped) if its address is
   * not admitted or the tunnel holds its most sessions.
   */
  private PeerSessions.Session openSession(InetSocketAddress peer, long now) {
    if (!tunnelSources.permits(peer.getAddress())
        || !owner.user().sources().permits(peer.getAddress())) {
      counts.dropped();
      events.limitHit(ServerLimit.SOURCE_LISTS);
      sourceDenied.warn(
          "tunnel={} udp port={} ignored peer {}: its address is not allowed"
              + " (allow_sources/deny_sources)",
          tunnel(),
          port,
          ControlChannel.describe(peer));
      return null;
    }
    int limit = maxConnections.getAsInt();
    if (sessions.size() >= limit) {
      counts.dropped();
      events.limitHit(ServerLimit.MAX_CONNECTIONS_PER_TUNNEL);
      tunnelFull.warn(
          "tunnel={} udp port={} ignored new peer {}: it already has {} sessions"
              + " (max_connections_per_tunnel)",
          tunnel(),
          port,
          ControlChannel.describe(peer),
          limit);
      return null;
    }
    PeerSessions.Session session = sessions.open(peer, now);
    if (session == null) {
      counts.dropped();
      overCapLog.warn(
          "tunnel={} udp port={} ignored new peer {}: the tunnel already holds {} sessions, its"
              + " max_sessions; raise it in the client's tunnel config, or shorten idle_timeout",
          tunnel(),
          port,
          ControlChannel.describe(peer),
          sessions.maxSessions());
      return null;
    }
    info.traffic().connectionOpened();
    events.connectionOpened(info);
    log.debug(
        "tunnel={} session={} peer={} opened",
        tunnel(),
        session.id(),
        ControlChannel.describe(peer));
    return session;
  }

  /** Sends a frame on the data connection; false (and the connection is let go) if it failed. */
  private boolean sendOrDetach(ControlChannel current, Message message) {
    try {
      current.send(message);
      return true;
    } catch (IOException e) {
      if (slot.detach(current)) {
        log.info(
            "tunnel={} udp data connection lost: {}; asking the client for a new one",
            tunnel(),
            e.getMessage());
      }
      return false;
    }
  }

  /**
   * Serves a data connection the client opened for this tunnel under {@code id}: says {@code
   * DataAccepted}, then reads the frames coming back and sends each to its session's peer. Returns
   * when the connection ends; a malformed frame ends it (and only it: the tunnel asks for another).
   */
  void serve(ConnectionId id, ControlChannel data) {
    if (!slot.waitsFor(id)) {
      refuse(data, id);
      return;
    }
    try {
      data.send(new Message.DataAccepted(id));
    } catch (IOException e) {
      log.debug("tunnel={} udp data connection failed at once: {}", tunnel(), e.toString());
      data.close();
      return;
    }
    if (!slot.attach(id, data)) {
      data.close();
      return;
    }
    log.debug("tunnel={} udp data connection from {} open", tunnel(), data.peer());
    try {
      while (true) {
        Message message = data.receive();
        if (!(message instanceof Message.Datagram datagram)) {
          throw new ProtocolException(
              message.getClass().getSimpleName() + " is not valid on a udp data connection");
        }
        toPeer(datagram);
      }
    } catch (EOFException e) {
      log.debug("tunnel={} udp data connection closed by the client", tunnel());
    } catch (ProtocolException e) {
      log.warn(
          "tunnel={} udp data connection from {} closed: {}; the tunnel asks for a new one",
          tunnel(),
          data.peer(),
          e.getMessage());
    } catch (IOException e) {
      if (slot.holds(data)) {
        log.info("tunnel={} udp data connection lost: {}", tunnel(), e.getMessage());
      }
    } finally {
      slot.detach(data);
    }
  }

  private void toPeer(Message.Datagram datagram) throws IOException {
    PeerSessions.Session session = sessions.byId(datagram.session(), System.nanoTime());
    if (session == null) {
      drop(
          null,
          "a reply for session "
              + datagram.session()
              + ", which is not open (it ended or never was)");
      return;
    }
    try {
      socket.send(
          new DatagramPacket(datagram.payload(), datagram.payload().length, session.peer()));
      counts.toPeer();
      info.traffic().out().add(datagram.payload().length);
    } catch (IOException e) {
      if (socket.isClosed()) {
        throw e;
      }
      drop(session.peer(), e.toString());
    }
  }

  private void refuse(ControlChannel data, ConnectionId id) {
    log.warn(
        "udp data connection from {} closed: tunnel {} no longer waits for id {}",
        data.peer(),
        tunnel(),
        id);
    try {
      data.send(
          new Message.Rejected(
              RejectReason.UNKNOWN_CONNECTION,
              "connection id " + id + " is unknown, already used or expired"));
    } catch (IOException e) {
      log.debug("could not tell {} why it was refused: {}", data.peer(), e.toString());
    }
    data.close();
  }

  private void drop(InetSocketAddress peer, String reason) {
    long dropped = counts.dropped();
    dropLog.warn(
        "tunnel={} udp port={} dropped a datagram{}: {} ({} dropped in all)",
        tunnel(),
        port,
        peer == null ? "" : " of peer " + ControlChannel.describe(peer),
        reason,
        dropped);
  }

  /**
   * Closes the data connection and the public socket; returns once the port is free and the
   * sessions have ended. True for the call that closed it.
   */
  boolean close() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    // The connection first, so that a receive thread blocked writing to it is released.
    ConnectionId asked = slot.close();
    if (asked != null) {
      requests.forget(asked);
    }
    Sockets.closeListener(socket, receiveThread);
    log.info("tunnel={} udp port={} closed: {}", tunnel(), port, counts);
    return true;
  }
}

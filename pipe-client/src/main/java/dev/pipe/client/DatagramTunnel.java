package dev.pipe.client;

import com.google.common.util.concurrent.RateLimiter;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.UdpSessions;
import dev.pipe.proxy.DatagramRelay;
import dev.pipe.proxy.RateLimitedInputStream;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.Traffic;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a UDP tunnel. The server asks for a data connection (an {@code Exchange}); the
 * datagrams of every peer travel over it in {@link Message.Datagram} frames, and a {@link
 * DatagramRelay} gives each session its own socket to the local service, so replies go back to the
 * peer that caused them. There is one data connection at a time: the server asks for a new one only
 * when it has none, so a new one replaces the old, and the old one's sessions end with it.
 *
 * <p>The bandwidth limit works as for TCP: datagrams from the server are read through the
 * rate-limited stream, and replies wait for the upload limiter before they are sent. For {@code
 * pipe status} a session counts as a connection of the tunnel's {@link Traffic}, and payload bytes
 * as its bytes: from the server (peers) in, back to it out.
 */
final class DatagramTunnel {
  private static final Logger log = LoggerFactory.getLogger(DatagramTunnel.class);

  /** Two of the largest Datagram frames. */
  private static final int READ_BUFFER_BYTES = 128 * 1024;

  /** How long close() waits for the relay to end, so its closing counts reach the log. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  /** The data connection being served, and the thread serving it. */
  private record Serving(Socket data, Thread thread) {}

  private final TunnelSpec spec;
  private final UdpSessions sessions;
  private final ServerDialer dialer;
  private final RateLimiter upload;
  private final RateLimiter download;
  private final Traffic traffic;
  private final AtomicReference<Serving> current = new AtomicReference<>();

  DatagramTunnel(
      TunnelSpec spec,
      UdpSessions sessions,
      ServerDialer dialer,
      RateLimiter upload,
      RateLimiter download,
      Traffic traffic) {
    this.spec = spec;
    this.sessions = sessions;
    this.dialer = dialer;
    this.upload = upload;
    this.download = download;
    this.traffic = traffic;
  }

  /** Opens the data connection for {@code id} and relays over it until it ends. */
  void serve(ConnectionId id) {
    Socket data;
    try {
      data = dialer.openData(id);
    } catch (IOException | ClientFailure e) {
      // The server asks again when it hears nothing; nothing else to do here.
      log.warn(
          "tunnel {}: udp data connection to server {} failed: {}",
          spec.name(),
          dialer.server(),
          e.getMessage());
      return;
    }
    Serving serving = new Serving(data, Thread.currentThread());
    Serving previous = current.getAndSet(serving);
    if (previous != null) {
      Sockets.closeQuietly(previous.data());
    }
    try {
      relay(data);
    } finally {
      current.compareAndSet(serving, null);
      Sockets.closeQuietly(data);
    }
  }

  private void relay(Socket data) {
    ControlChannel channel;
    DatagramRelay relay;
    try {
      InputStream in = new BufferedInputStream(data.getInputStream(), READ_BUFFER_BYTES);
      channel =
          new ControlChannel(
              data,
              download == null ? in : new RateLimitedInputStream(in, download),
              data.getOutputStream(),
              Limits.MAX_FRAME_BYTES);
      relay =
          DatagramRelay.start(
              spec.name(),
              spec.local().toAddress(),
              sessions.maxSessions(),
              Limits.MAX_DATAGRAM_BYTES,
              upload,
              (session, payload) -> {
                channel.send(new Message.Datagram(session, payload));
                traffic.out().add(payload.length);
              });
    } catch (IOException e) {
      log.warn("tunnel {}: cannot relay datagrams: {}", spec.name(), e.toString());
      return;
    }
    log.debug("tunnel {}: udp data connection open", spec.name());
    String end;
    // The sessions this connection carried, read and written by this thread only.
    Set<Integer> open = new HashSet<>();
    try (relay) {
      while (true) {
        switch (channel.receive()) {
          case Message.Datagram datagram -> {
            if (relay.send(datagram.session(), datagram.payload())) {
              traffic.in().add(datagram.payload().length);
              if (open.add(datagram.session())) {
                traffic.connectionOpened();
              }
            }
          }
          case Message.SessionClosed closed -> {
            relay.close(closed.session());
            if (open.remove(closed.session())) {
              traffic.connectionClosed();
            }
          }
          case Message other ->
              throw new ProtocolException(
                  other.getClass().getSimpleName() + " is not valid on a udp data connection");
        }
      }
    } catch (EOFException e) {
      end = "closed by the server";
    } catch (ProtocolException e) {
      log.warn(
          "tunnel {}: udp data connection closed: the server broke the protocol: {}; {}",
          spec.name(),
          e.getMessage(),
          relay.counts());
      return;
    } catch (IOException e) {
      // A socket we closed ourselves (shutdown, a newer connection) is closed; a lost one is not.
      end = data.isClosed() ? "closed" : "lost: " + e.getMessage();
    } finally {
      open.forEach(session -> traffic.connectionClosed());
    }
    log.info("tunnel {}: udp data connection {}; {}", spec.name(), end, relay.counts());
  }

  /**
   * Ends the current data connection, if any, and with it every session's socket. The serving
   * thread clears {@link #current} itself once it has logged, so that every caller, not just the
   * first, waits for that.
   */
  void close() {
    Serving serving = current.get();
    if (serving == null) {
      return;
    }
    Sockets.closeQuietly(serving.data());
    try {
      serving.thread().join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

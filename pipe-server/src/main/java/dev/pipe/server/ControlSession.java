package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One logged-in client: reads its control frames, opens and closes its tunnels, and sends it a
 * heartbeat. When the client goes away, for whatever reason, its ports are released at once.
 */
final class ControlSession {
  private static final Logger log = LoggerFactory.getLogger(ControlSession.class);

  private final PipeServer server;
  private final ControlChannel channel;
  private final Message.Login login;
  private final Duration heartbeatInterval;
  private final String client;
  private final Map<String, PublicPort> tunnels = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Thread heartbeat;

  ControlSession(
      PipeServer server, ControlChannel channel, Message.Login login, Duration heartbeatInterval) {
    this.server = server;
    this.channel = channel;
    this.login = login;
    this.heartbeatInterval = heartbeatInterval;
    this.client = channel.peer();
  }

  String clientId() {
    return login.clientId();
  }

  /** Serves the session on the calling thread until the client leaves or fails. */
  void run() {
    try {
      channel.send(new Message.LoginAccepted(heartbeatInterval.toMillis()));
      channel.setReadTimeout(Limits.deadAfter(heartbeatInterval));
      heartbeat = Thread.ofVirtual().name("heartbeat-" + client).start(this::sendHeartbeats);
      log.info("client {} connected (pipe {})", client, login.clientVersion());
      while (!closed.get()) {
        if (!dispatch(channel.receive())) {
          return;
        }
      }
    } catch (EOFException e) {
      log.info("client {} disconnected", client);
    } catch (SocketTimeoutException e) {
      log.warn(
          "client {} sent nothing for {} ms ({} missed heartbeats); closing its session",
          client,
          Limits.deadAfter(heartbeatInterval).toMillis(),
          Limits.MISSED_HEARTBEATS);
    } catch (ProtocolException e) {
      log.warn("client {} broke the protocol: {}; closing its session", client, e.getMessage());
    } catch (IOException e) {
      if (!closed.get()) {
        log.info("client {} connection lost: {}", client, e.getMessage());
      }
    } finally {
      close();
    }
  }

  /** Handles one frame; false when the client said goodbye. */
  private boolean dispatch(Message message) throws IOException {
    switch (message) {
      case Message.Forward forward -> forward(forward);
      case Message.ExchangeFailed failed -> server.pending().fail(failed.id(), failed.reason());
      case Message.Heartbeat heartbeat -> {
        // Receiving it was the point: the read timeout starts again.
      }
      case Message.Goodbye goodbye -> {
        log.info("client {} left: {}", client, goodbye.reason());
        return false;
      }
      case Message.Hello unexpected -> throw unexpected(unexpected);
      case Message.Login unexpected -> throw unexpected(unexpected);
      case Message.LoginAccepted unexpected -> throw unexpected(unexpected);
      case Message.Rejected unexpected -> throw unexpected(unexpected);
      case Message.ForwardAccepted unexpected -> throw unexpected(unexpected);
      case Message.ForwardRejected unexpected -> throw unexpected(unexpected);
      case Message.Exchange unexpected -> throw unexpected(unexpected);
      case Message.DataLogin unexpected -> throw unexpected(unexpected);
      case Message.DataAccepted unexpected -> throw unexpected(unexpected);
      case Message.Datagram unexpected -> throw unexpected(unexpected);
      case Message.SessionClosed unexpected -> throw unexpected(unexpected);
    }
    return true;
  }

  private static ProtocolException unexpected(Message message) {
    return new ProtocolException(
        message.getClass().getSimpleName() + " is not valid from a client on a control connection");
  }

  private void forward(Message.Forward forward) throws IOException {
    String name = forward.tunnel();
    if (tunnels.containsKey(name)) {
      reject(forward, "this client already has a tunnel named '" + name + "'; names must differ");
      return;
    }
    if (tunnels.size() >= Limits.MAX_TUNNELS_PER_CLIENT) {
      reject(
          forward,
          "this client already holds "
              + tunnels.size()
              + " tunnels, the most one client may hold; split them over several clients");
      return;
    }
    PublicPort listener;
    try {
      listener = server.ports().open(this, forward);
    } catch (TunnelRejected e) {
      reject(forward, e.getMessage());
      return;
    }
    tunnels.put(name, listener);
    if (closed.get()) {
      // The session ended while the port was being bound: give the port back.
      server.ports().release(listener);
      return;
    }
    log.info(
        "tunnel {} of client {} open on port {} ({})",
        name,
        client,
        listener.port(),
        forward.type().wireName());
    channel.send(new Message.ForwardAccepted(name, listener.port()));
    // Only now: a UDP tunnel's first act is an Exchange, which must follow ForwardAccepted.
    listener.start();
  }

  private void reject(Message.Forward forward, String reason) throws IOException {
    log.warn("tunnel {} of client {} rejected: {}", forward.tunnel(), client, reason);
    channel.send(new Message.ForwardRejected(forward.tunnel(), reason));
  }

  /** A released port for the log: {@code 9000} for TCP, {@code 9000/udp} for UDP. */
  private static String describe(PublicPort port) {
    return switch (port.type()) {
      case TCP -> String.valueOf(port.port());
      case UDP -> port.port() + "/udp";
    };
  }

  /** Sends a frame to the client; any thread may call it. */
  void send(Message message) throws IOException {
    channel.send(message);
  }

  private void sendHeartbeats() {
    try {
      while (!closed.get()) {
        Thread.sleep(heartbeatInterval);
        channel.send(new Message.Heartbeat());
      }
    } catch (InterruptedException e) {
      // close() interrupts us: the session is over.
    } catch (IOException e) {
      log.debug("heartbeat to client {} failed: {}", client, e.toString());
      close();
    }
  }

  /** Tells the client the server is going away; the session then ends. */
  void goodbye(String reason) {
    try {
      channel.send(new Message.Goodbye(reason));
    } catch (IOException e) {
      log.debug("could not say goodbye to client {}: {}", client, e.toString());
    }
    close();
  }

  /** Ends the session and releases every port it held; safe to call more than once. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    channel.close();
    Thread beat = heartbeat;
    if (beat != null) {
      beat.interrupt();
    }
    tunnels.values().forEach(server.ports()::release);
    if (!tunnels.isEmpty()) {
      log.info(
          "client {} released ports {}",
          client,
          tunnels.values().stream().map(ControlSession::describe).toList());
    }
    server.sessionEnded(this);
  }
}

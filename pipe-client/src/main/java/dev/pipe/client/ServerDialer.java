package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.Secret;
import dev.pipe.relay.RelayKeys;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

/**
 * Opens connections to the server and logs them in: the control connection, one data connection per
 * user connection (claimed by id, or pooled ahead of time), and one circuit connection per visit of
 * a relay tunnel. All answer the server's nonce with the same proof.
 */
final class ServerDialer {
  private final HostPort server;
  private final Secret token;
  private final String clientId;
  private final ClientTransport transport;

  /** A control connection that logged in, with the heartbeat interval the server asked for. */
  record LoggedIn(ControlChannel channel, Duration heartbeatInterval, int maxPoolConnections) {}

  /** A circuit the server opened to a relay tunnel's provider, ready for the sealed handshake. */
  record OpenedCircuit(Socket socket, Message.CircuitOpened opened) {}

  ServerDialer(HostPort server, Secret token, String clientId, ClientTransport transport) {
    this.server = server;
    this.token = token;
    this.clientId = clientId;
    this.transport = transport;
  }

  HostPort server() {
    return server;
  }

  /** Connects and logs in a control connection. */
  LoggedIn login() throws IOException, ClientFailure {
    ControlChannel channel = connect();
    try {
      Message.Hello hello = hello(channel);
      channel.send(
          new Message.Login(
              PipeVersion.PROTOCOL,
              PipeVersion.software(),
              clientId,
              Proof.compute(token, hello.nonce())));
      Message reply = readReply(channel, hello);
      if (reply instanceof Message.LoginAccepted accepted) {
        return new LoggedIn(
            channel,
            Duration.ofMillis(accepted.heartbeatIntervalMillis()),
            accepted.maxPoolConnections());
      }
      throw refusal(reply);
    } catch (IOException | ClientFailure | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** Connects a data connection for user connection {@code id}; its socket is ready to splice. */
  Socket openData(ConnectionId id) throws IOException, ClientFailure {
    ControlChannel channel = connect();
    try {
      Message.Hello hello = hello(channel);
      channel.send(
          new Message.DataLogin(PipeVersion.PROTOCOL, Proof.compute(token, hello.nonce()), id));
      Message reply = readReply(channel, hello);
      if (reply instanceof Message.DataAccepted accepted && accepted.id().equals(id)) {
        channel.setReadTimeout(Duration.ZERO);
        return channel.socket();
      }
      throw refusal(reply);
    } catch (IOException | ClientFailure | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Connects a data connection ahead of time: it joins this client's pool on the server and waits
   * there until the server assigns it a user connection.
   */
  ControlChannel openPooled() throws IOException, ClientFailure {
    ControlChannel channel = connect();
    try {
      Message.Hello hello = hello(channel);
      channel.send(
          new Message.PoolLogin(
              PipeVersion.PROTOCOL, Proof.compute(token, hello.nonce()), clientId));
      Message reply = readReply(channel, hello);
      if (reply instanceof Message.PoolAccepted) {
        return channel;
      }
      throw refusal(reply);
    } catch (IOException | ClientFailure | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Asks for a circuit to the relay tunnel {@code keys} belong to, proving its secret; returns once
   * the server has joined it to the provider.
   *
   * @throws CircuitRefused when the server refuses it, with the server's reason
   */
  OpenedCircuit openCircuit(RelayKeys keys) throws IOException, ClientFailure, CircuitRefused {
    ControlChannel channel = connect();
    try {
      Message.Hello hello = hello(channel);
      channel.send(
          new Message.Connect(
              PipeVersion.PROTOCOL,
              Proof.compute(token, hello.nonce()),
              clientId,
              keys.tunnel(),
              keys.accessProof(hello.nonce())));
      // The server answers once the provider has: that may take its whole pending timeout.
      channel.setReadTimeout(Limits.CIRCUIT_OPEN_TIMEOUT);
      Message reply = readReply(channel, hello);
      if (reply instanceof Message.CircuitOpened opened && opened.tunnel().equals(keys.tunnel())) {
        channel.setReadTimeout(Duration.ZERO);
        return new OpenedCircuit(channel.socket(), opened);
      }
      if (reply instanceof Message.CircuitRefused refused) {
        throw new CircuitRefused(refused.message());
      }
      throw refusal(reply);
    } catch (IOException | ClientFailure | CircuitRefused | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private ControlChannel connect() throws IOException, ClientFailure {
    return new ControlChannel(
        transport.connect(server, Limits.SERVER_CONNECT_TIMEOUT, Limits.HANDSHAKE_TIMEOUT));
  }

  /** The server's Hello; a TLS server that finds this client speaking plaintext says so instead. */
  private Message.Hello hello(ControlChannel channel) throws IOException, ClientFailure {
    Message first = channel.receive();
    if (first instanceof Message.Hello hello) {
      return hello;
    }
    throw refusal(first);
  }

  /** The server's answer to a login; a protocol version mismatch is reported from either side. */
  private Message readReply(ControlChannel channel, Message.Hello hello)
      throws IOException, ClientFailure {
    if (hello.protocolVersion() == PipeVersion.PROTOCOL) {
      return channel.receive();
    }
    String serverSays = "";
    try {
      if (channel.receive() instanceof Message.Rejected rejected) {
        serverSays = " (the server says: " + rejected.message() + ")";
      }
    } catch (IOException e) {
      // The server's own explanation is a bonus; ours below is enough.
    }
    throw new ClientFailure(
        "server "
            + server
            + " runs pipe "
            + hello.serverVersion()
            + " (protocol "
            + hello.protocolVersion()
            + ") but this client is pipe "
            + PipeVersion.software()
            + " (protocol "
            + PipeVersion.PROTOCOL
            + "); install the same pipe version on both sides"
            + serverSays);
  }

  /** The error for a reply that is not an acceptance; throws at once when retrying is futile. */
  private IOException refusal(Message reply) throws ClientFailure {
    if (reply instanceof Message.Rejected rejected) {
      String message = "server " + server + " rejected the login: " + rejected.message();
      if (rejected.reason().fatal()) {
        throw new ClientFailure(message);
      }
      return new IOException(message);
    }
    return new ProtocolException(
        "server " + server + " answered the login with " + reply.getClass().getSimpleName());
  }
}

package dev.pipe.e2e;

import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * A hand-driven client for tests that need to misbehave: log in and then go silent, ignore an
 * Exchange, replay recorded bytes, send garbage, claim what belongs to others. It speaks plain TCP,
 * so it talks to servers built from {@link Fixture#plainServerConfig()}.
 */
final class RawClient implements AutoCloseable {
  final Socket socket;
  final ControlChannel channel;
  Message.Hello hello;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.channel = new ControlChannel(socket);
  }

  static RawClient connect(int serverPort) throws IOException {
    return connectFrom(Fixture.LOOPBACK, serverPort);
  }

  /** Connects from a chosen loopback address, as a different host would. */
  static RawClient connectFrom(String localAddress, int serverPort) throws IOException {
    Socket socket = new Socket();
    socket.bind(new InetSocketAddress(localAddress, 0));
    socket.connect(new InetSocketAddress(Fixture.LOOPBACK, serverPort), 10_000);
    socket.setSoTimeout(30_000);
    RawClient raw = new RawClient(socket);
    raw.hello = raw.channel.receive(Message.Hello.class);
    return raw;
  }

  /** The Login frame a real client would send for this connection's nonce. */
  byte[] loginFrame(Secret token, String clientId) {
    return MessageCodec.encode(
        new Message.Login(
            PipeVersion.PROTOCOL, "test", clientId, Proof.compute(token, hello.nonce())));
  }

  byte[] loginFrame(Secret token) {
    return loginFrame(token, ConnectionId.random().hex());
  }

  /** Logs in with the test token and returns the server's answer. */
  Message login() throws IOException {
    return login(Fixture.TOKEN);
  }

  Message login(Secret token) throws IOException {
    return login(token, ConnectionId.random().hex());
  }

  Message login(Secret token, String clientId) throws IOException {
    socket.getOutputStream().write(loginFrame(token, clientId));
    return channel.receive();
  }

  /** Asks for a TCP tunnel and returns the server's answer. */
  Message forward(String tunnel, int remotePort) throws IOException {
    return forward(tunnel, TunnelType.TCP, remotePort);
  }

  /** Asks for a tunnel of {@code type} (with default settings) and returns the server's answer. */
  Message forward(String tunnel, TunnelType type, int remotePort) throws IOException {
    channel.send(new Message.Forward(tunnel, type, remotePort, List.of(), List.of()));
    return channel.receive();
  }

  /** Opens a data connection for {@code id} and returns the server's answer. */
  static Message dataLogin(int serverPort, ConnectionId id, RawClient[] opened) throws IOException {
    return dataLogin(serverPort, Fixture.TOKEN, id, opened);
  }

  static Message dataLogin(int serverPort, Secret token, ConnectionId id, RawClient[] opened)
      throws IOException {
    RawClient data = connect(serverPort);
    opened[0] = data;
    data.channel.send(
        new Message.DataLogin(PipeVersion.PROTOCOL, Proof.compute(token, data.hello.nonce()), id));
    return data.channel.receive();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

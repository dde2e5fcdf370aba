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
import java.net.Socket;

/**
 * A hand-driven client for tests that need to misbehave: log in and then go silent, ignore an
 * Exchange, replay recorded bytes, send garbage.
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
    RawClient raw = new RawClient(Fixture.connect(serverPort));
    raw.hello = raw.channel.receive(Message.Hello.class);
    return raw;
  }

  /** The Login frame a real client would send for this connection's nonce. */
  byte[] loginFrame(Secret token) {
    return MessageCodec.encode(
        new Message.Login(
            PipeVersion.PROTOCOL,
            "test",
            ConnectionId.random().hex(),
            Proof.compute(token, hello.nonce())));
  }

  /** Logs in with the test token and returns the server's answer. */
  Message login() throws IOException {
    socket.getOutputStream().write(loginFrame(Fixture.TOKEN));
    return channel.receive();
  }

  /** Asks for a TCP tunnel and returns the server's answer. */
  Message forward(String tunnel, int remotePort) throws IOException {
    return forward(tunnel, TunnelType.TCP, remotePort);
  }

  /** Asks for a tunnel of {@code type} (with default settings) and returns the server's answer. */
  Message forward(String tunnel, TunnelType type, int remotePort) throws IOException {
    channel.send(new Message.Forward(tunnel, type, remotePort));
    return channel.receive();
  }

  /** Opens a data connection for {@code id} and returns the server's answer. */
  static Message dataLogin(int serverPort, ConnectionId id, RawClient[] opened) throws IOException {
    RawClient data = connect(serverPort);
    opened[0] = data;
    data.channel.send(
        new Message.DataLogin(
            PipeVersion.PROTOCOL, Proof.compute(Fixture.TOKEN, data.hello.nonce()), id));
    return data.channel.receive();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}

package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import dev.pipe.proto.Secret;
import java.io.IOException;

/**
 * The server's half of the login: say Hello with a fresh nonce, read the client's first frame,
 * check its protocol version and its proof. A failure is answered with {@link Message.Rejected}
 * before the connection closes, so the client can print the cause instead of "connection reset".
 */
final class ServerHandshake {

  /** A connection that logged in, and what it is for. */
  sealed interface Outcome {
    ControlChannel channel();
  }

  /** A client opening its control session. */
  record ControlLogin(ControlChannel channel, Message.Login login) implements Outcome {}

  /** A client opening a data connection for one user connection. */
  record DataLogin(ControlChannel channel, Message.DataLogin login) implements Outcome {}

  /** The login was refused; {@link #getMessage()} is the log line's reason. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    private final HandshakeFailure failure;

    Refused(HandshakeFailure failure, String reason) {
      super(reason);
      this.failure = failure;
    }

    HandshakeFailure failure() {
      return failure;
    }
  }

  private final Secret token;
  private final boolean allowNoAuth;

  ServerHandshake(Secret token, boolean allowNoAuth) {
    this.token = token;
    this.allowNoAuth = allowNoAuth;
  }

  Outcome perform(ControlChannel channel) throws IOException, Refused {
    String nonce = Proof.newNonce();
    channel.send(new Message.Hello(PipeVersion.PROTOCOL, PipeVersion.software(), nonce));
    Message first = channel.receive();
    return switch (first) {
      case Message.Login login -> {
        check(channel, login.protocolVersion(), nonce, login.proof());
        yield new ControlLogin(channel, login);
      }
      case Message.DataLogin login -> {
        check(channel, login.protocolVersion(), nonce, login.proof());
        yield new DataLogin(channel, login);
      }
      default -> {
        String reason =
            "expected Login or DataLogin as the first frame, got "
                + first.getClass().getSimpleName();
        channel.send(new Message.Rejected(RejectReason.PROTOCOL_ERROR, reason));
        throw new ProtocolException(reason);
      }
    };
  }

  private void check(ControlChannel channel, int protocolVersion, String nonce, String proof)
      throws IOException, Refused {
    if (protocolVersion != PipeVersion.PROTOCOL) {
      channel.send(
          new Message.Rejected(
              RejectReason.VERSION_MISMATCH,
              "this server runs pipe "
                  + PipeVersion.software()
                  + " (protocol "
                  + PipeVersion.PROTOCOL
                  + ") but the client speaks protocol "
                  + protocolVersion
                  + "; install the same pipe version on both sides"));
      throw new Refused(
          HandshakeFailure.VERSION_MISMATCH,
          "client speaks protocol " + protocolVersion + ", server " + PipeVersion.PROTOCOL);
    }
    boolean open = allowNoAuth && token.isEmpty();
    if (!open && !Proof.verify(token, nonce, proof)) {
      channel.send(
          new Message.Rejected(
              RejectReason.BAD_TOKEN,
              "token mismatch: the client's token is not the one this server expects; use the"
                  + " same token on both sides (--token, PIPE_TOKEN or 'token' in the config)"));
      throw new Refused(HandshakeFailure.BAD_TOKEN, "token mismatch");
    }
  }
}

package dev.pipe.server;

import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import java.io.IOException;

/**
 * The server's half of the login: say Hello with a fresh nonce, read the client's first frame,
 * check its protocol version and find the user whose token produced its proof. A failure is
 * answered with {@link Message.Rejected} before the connection closes, so the client can print the
 * cause instead of "connection reset".
 */
final class ServerHandshake {

  /** A connection that logged in, who it is, and what it is for. */
  sealed interface Outcome {
    ControlChannel channel();

    User user();
  }

  /** A client opening its control session. */
  record ControlLogin(ControlChannel channel, User user, Message.Login login) implements Outcome {}

  /** A client opening a data connection for one user connection. */
  record DataLogin(ControlChannel channel, User user, Message.DataLogin login) implements Outcome {}

  /** A client opening a data connection ahead of time, to wait in its pool. */
  record PoolLogin(ControlChannel channel, User user, Message.PoolLogin login) implements Outcome {}

  /** The login was refused; {@link #getMessage()} is the log line's reason. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final HandshakeFailure failure;
    private final boolean startedBan;

    Refused(HandshakeFailure failure, String reason, boolean startedBan) {
      super(reason);
      this.failure = failure;
      this.startedBan = startedBan;
    }

    HandshakeFailure failure() {
      return failure;
    }

    /** True if this failure got its source banned. */
    boolean startedBan() {
      return startedBan;
    }
  }

  private volatile Credentials credentials;
  private final FailedLogins failedLogins;

  ServerHandshake(Credentials credentials, FailedLogins failedLogins) {
    this.credentials = credentials;
    this.failedLogins = failedLogins;
  }

  /** Logins from now on are checked against {@code next} (a reload of the config). */
  void credentials(Credentials next) {
    credentials = next;
  }

  Credentials credentials() {
    return credentials;
  }

  Outcome perform(ControlChannel channel) throws IOException, Refused {
    String nonce = Proof.newNonce();
    channel.send(new Message.Hello(PipeVersion.PROTOCOL, PipeVersion.software(), nonce));
    Message first = channel.receive();
    return switch (first) {
      case Message.Login login ->
          new ControlLogin(
              channel, check(channel, login.protocolVersion(), nonce, login.proof()), login);
      case Message.DataLogin login ->
          new DataLogin(
              channel, check(channel, login.protocolVersion(), nonce, login.proof()), login);
      case Message.PoolLogin login ->
          new PoolLogin(
              channel, check(channel, login.protocolVersion(), nonce, login.proof()), login);
      default -> {
        String reason =
            "expected Login, DataLogin or PoolLogin as the first frame, got "
                + first.getClass().getSimpleName();
        channel.send(new Message.Rejected(RejectReason.PROTOCOL_ERROR, reason));
        throw new ProtocolException(reason);
      }
    };
  }

  private User check(ControlChannel channel, int protocolVersion, String nonce, String proof)
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
          "client speaks protocol " + protocolVersion + ", server " + PipeVersion.PROTOCOL,
          false);
    }
    User user = credentials.identify(nonce, proof).orElse(null);
    if (user == null) {
      // Counted before the answer goes out, so no further attempt slips in before a ban.
      boolean banned = failedLogins.recordFailure(channel.socket().getInetAddress());
      channel.send(
          new Message.Rejected(
              RejectReason.BAD_TOKEN,
              "token mismatch: the client's token is not one this server accepts; use the token"
                  + " the server's operator gave you (--token, PIPE_TOKEN or 'token' in the"
                  + " config)"));
      throw new Refused(HandshakeFailure.BAD_TOKEN, "token mismatch", banned);
    }
    return user;
  }
}

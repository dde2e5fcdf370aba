package dev.pipe.server;

import dev.pipe.proto.AccessProof;
import dev.pipe.proto.CircuitRefusal;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Message;
import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.Proof;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Function;

/**
 * The server's half of the login: say Hello with a fresh nonce, read the client's first frame,
 * check its protocol version and find the user whose token produced its proof; for a visitor's
 * circuit, check its proof of the relay tunnel's secret too. A failure is answered ({@link
 * Message.Rejected}, {@link Message.CircuitRefused}) before the connection closes, so the client
 * can print the cause instead of "connection reset".
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

  /** A visitor asking for a circuit to a relay tunnel whose secret it proved it holds. */
  record CircuitLogin(ControlChannel channel, User user, Message.Connect connect)
      implements Outcome {}

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
  private final Function<String, Optional<String>> accessKeys;

  /**
   * @param accessKeys the access key of each reserved relay tunnel, by name
   */
  ServerHandshake(
      Credentials credentials,
      FailedLogins failedLogins,
      Function<String, Optional<String>> accessKeys) {
    this.credentials = credentials;
    this.failedLogins = failedLogins;
    this.accessKeys = accessKeys;
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
      case Message.Connect connect -> {
        User user = check(channel, connect.protocolVersion(), nonce, connect.proof());
        checkAccess(channel, connect, nonce);
        yield new CircuitLogin(channel, user, connect);
      }
      default -> {
        String reason =
            "expected Login, DataLogin, PoolLogin or Connect as the first frame, got "
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

  /**
   * A wrong secret counts as a failed login: guessing secrets online costs a ban like guessing
   * tokens. A tunnel that is not reserved is left to the broker, which says so.
   */
  private void checkAccess(ControlChannel channel, Message.Connect connect, String nonce)
      throws IOException, Refused {
    String tunnel = connect.tunnel();
    Optional<String> accessKey = accessKeys.apply(tunnel);
    if (accessKey.isEmpty()
        || AccessProof.verify(accessKey.get(), nonce, tunnel, connect.access())) {
      return;
    }
    boolean banned = failedLogins.recordFailure(channel.socket().getInetAddress());
    channel.send(
        new Message.CircuitRefused(
            tunnel,
            CircuitRefusal.WRONG_SECRET,
            "wrong secret: this visitor's secret for relay tunnel '"
                + tunnel
                + "' is not the provider's; use the secret the provider runs with (--secret, or"
                + " 'secret' in its config)"));
    throw new Refused(
        HandshakeFailure.BAD_SECRET, "wrong secret for relay tunnel " + tunnel, banned);
  }
}

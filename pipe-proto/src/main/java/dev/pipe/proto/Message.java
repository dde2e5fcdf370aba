package dev.pipe.proto;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Arrays;
import java.util.Objects;

/**
 * Every frame that travels on a pipe connection. {@link MessageCodec} is the only code that knows
 * how a message becomes bytes; this file says what each message means and checks its fields, so a
 * message that exists is valid.
 *
 * <p>{@link Hello}, {@link Login}, {@link DataLogin} and {@link Rejected} keep their shape across
 * protocol versions so that two different versions can still tell each other that they differ.
 */
public sealed interface Message {

  /** Server's first frame on every connection: its protocol version and a fresh nonce to sign. */
  record Hello(int protocolVersion, String serverVersion, String nonce) implements Message {
    public Hello {
      Fields.requireText("serverVersion", serverVersion, 64);
      Fields.requireHex("nonce", nonce, Proof.NONCE_BYTES);
    }
  }

  /** Client opens a control session: {@code proof} is HMAC-SHA256 over the nonce with the token. */
  record Login(int protocolVersion, String clientVersion, String clientId, String proof)
      implements Message {
    public Login {
      Fields.requireText("clientVersion", clientVersion, 64);
      Fields.requireHex("clientId", clientId, 16);
      Fields.requireHex("proof", proof, Proof.PROOF_BYTES);
    }
  }

  /** Server accepts a control login; both sides send a heartbeat at least this often. */
  record LoginAccepted(long heartbeatIntervalMillis) implements Message {
    public LoginAccepted {
      Fields.requireRange("heartbeatIntervalMillis", heartbeatIntervalMillis, 10, 3_600_000);
    }
  }

  /** Server refuses a login or a data connection and closes it; the message says what to do. */
  record Rejected(RejectReason reason, String message) implements Message {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      message = Fields.clip("message", message);
    }
  }

  /**
   * Client asks for a tunnel on a public port; port 0 lets the server pick a free allowed one. A
   * UDP tunnel says how the server should keep its peers' sessions ({@link UdpSessions#DEFAULT}
   * when left out); a TCP tunnel has no sessions and leaves {@code udp} out.
   */
  record Forward(
      String tunnel,
      TunnelType type,
      int remotePort,
      @JsonInclude(JsonInclude.Include.NON_NULL) UdpSessions udp)
      implements Message {
    public Forward {
      TunnelName.check(tunnel);
      Objects.requireNonNull(type, "type");
      Fields.requireRange("remotePort", remotePort, 0, 65_535);
      udp =
          switch (type) {
            case TCP -> {
              if (udp != null) {
                throw new IllegalArgumentException("udp session settings given for a tcp tunnel");
              }
              yield null;
            }
            case UDP -> udp == null ? UdpSessions.DEFAULT : udp;
          };
    }

    /** A tunnel with the default settings of its type. */
    public Forward(String tunnel, TunnelType type, int remotePort) {
      this(tunnel, type, remotePort, null);
    }
  }

  /** The tunnel is open: users reach it on this public port. */
  record ForwardAccepted(String tunnel, int remotePort) implements Message {
    public ForwardAccepted {
      TunnelName.check(tunnel);
      Fields.requireRange("remotePort", remotePort, 1, 65_535);
    }
  }

  /** The tunnel could not be opened (port taken, not allowed, ...); the other tunnels are fine. */
  record ForwardRejected(String tunnel, String reason) implements Message {
    public ForwardRejected {
      TunnelName.check(tunnel);
      reason = Fields.clip("reason", reason);
    }
  }

  /** A user connected to a tunnel: open a data connection and present this id on it. */
  record Exchange(ConnectionId id, String tunnel) implements Message {
    public Exchange {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
    }
  }

  /** The client could not reach its local service for this user connection: close it now. */
  record ExchangeFailed(ConnectionId id, String reason) implements Message {
    public ExchangeFailed {
      Objects.requireNonNull(id, "id");
      reason = Fields.clip("reason", reason);
    }
  }

  /** First frame of a data connection: a proof over this connection's nonce, and whose bytes. */
  record DataLogin(int protocolVersion, String proof, ConnectionId id) implements Message {
    public DataLogin {
      Fields.requireHex("proof", proof, Proof.PROOF_BYTES);
      Objects.requireNonNull(id, "id");
    }
  }

  /** The data connection is matched: from the next byte on it carries the user's raw bytes. */
  record DataAccepted(ConnectionId id) implements Message {
    public DataAccepted {
      Objects.requireNonNull(id, "id");
    }
  }

  /** Keeps a quiet control connection alive; a peer silent for three intervals is dead. */
  record Heartbeat() implements Message {}

  /** The sender is leaving on purpose (shutdown); the receiver should not treat it as a fault. */
  record Goodbye(String reason) implements Message {
    public Goodbye {
      reason = Fields.clip("reason", reason);
    }
  }

  /**
   * One datagram on a UDP tunnel's data connection: from a peer (server to client) or back to it
   * (client to server). {@code session} is the number the server gave that peer; the payload
   * travels as raw bytes, not JSON. The array is not copied: whoever builds a Datagram hands its
   * payload over and does not change it afterwards.
   */
  record Datagram(int session, byte[] payload) implements Message {
    public Datagram {
      Fields.requireRange("session", session, 0, Integer.MAX_VALUE);
      Objects.requireNonNull(payload, "payload");
      Fields.requireRange("payload bytes", payload.length, 0, Limits.MAX_DATAGRAM_BYTES);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Datagram that
          && session == that.session
          && Arrays.equals(payload, that.payload);
    }

    @Override
    public int hashCode() {
      return 31 * session + Arrays.hashCode(payload);
    }

    /** The length, not the bytes: payloads can be 64 KiB and belong to users, not to logs. */
    @Override
    public String toString() {
      return "Datagram[session=" + session + ", " + payload.length + " bytes]";
    }
  }

  /**
   * Server to client on a UDP tunnel's data connection: this peer's session ended (it was idle for
   * the tunnel's idle timeout), so the client closes the socket it held for it.
   */
  record SessionClosed(int session) implements Message {
    public SessionClosed {
      Fields.requireRange("session", session, 0, Integer.MAX_VALUE);
    }
  }
}

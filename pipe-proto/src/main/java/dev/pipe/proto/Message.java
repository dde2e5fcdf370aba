package dev.pipe.proto;

import dev.pipe.config.SourceFilter;
import java.util.List;
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
  /** The longest time any message may carry: a year, in milliseconds. */
  long MAX_MILLIS = 366L * 24 * 3_600_000;

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
   * Client asks for a tunnel on a public port; port 0 lets the server pick a free allowed one. The
   * source lists (address blocks) say which users the server may let in; empty allows everyone.
   */
  record Forward(
      String tunnel,
      TunnelType type,
      int remotePort,
      List<String> allowSources,
      List<String> denySources)
      implements Message {
    public Forward {
      TunnelName.check(tunnel);
      Objects.requireNonNull(type, "type");
      if (type == TunnelType.RELAY) {
        throw new IllegalArgumentException(
            "a relay tunnel opens no public port: it is reserved with Reserve, not Forward");
      }
      Fields.requireRange("remotePort", remotePort, 0, 65_535);
      allowSources = allowSources == null ? List.of() : List.copyOf(allowSources);
      denySources = denySources == null ? List.of() : List.copyOf(denySources);
      SourceFilter.parse(allowSources, denySources);
    }

    /** The source lists as a filter; they were validated when the message was made. */
    public SourceFilter sources() {
      return SourceFilter.parse(allowSources, denySources);
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

  /**
   * The server closed one tunnel on purpose (an operator, from the admin dashboard or API): its
   * public port no longer accepts users. The client must not ask for it again until it restarts.
   */
  record TunnelClosed(String tunnel, String reason) implements Message {
    public TunnelClosed {
      TunnelName.check(tunnel);
      reason = Fields.clip("reason", reason);
    }
  }

  /**
   * A provider reserves a relay tunnel, or refreshes its reservation: no public port opens; only
   * visitors who prove they hold the tunnel's secret may open circuits to it. {@code accessKey} is
   * derived one way from the secret (docs/relay.md): it lets the server check visitors' proofs, and
   * it is useless for reading or writing a circuit.
   */
  record Reserve(String tunnel, String accessKey) implements Message {
    public Reserve {
      TunnelName.check(tunnel);
      Fields.requireHex("accessKey", accessKey, AccessProof.KEY_BYTES);
    }
  }

  /** The reservation holds for {@code ttlMillis} (0: while the provider stays connected). */
  record ReservationAccepted(String tunnel, long ttlMillis) implements Message {
    public ReservationAccepted {
      TunnelName.check(tunnel);
      Fields.requireRange("ttlMillis", ttlMillis, 0, MAX_MILLIS);
    }
  }

  /**
   * First frame of a visitor's circuit connection: a login proof like {@link DataLogin}'s, the
   * visitor's control session ({@code clientId}), the relay tunnel it wants, and {@code access},
   * its proof of the tunnel's secret over this connection's nonce.
   */
  record Connect(int protocolVersion, String proof, String clientId, String tunnel, String access)
      implements Message {
    public Connect {
      Fields.requireHex("proof", proof, Proof.PROOF_BYTES);
      Fields.requireHex("clientId", clientId, 16);
      TunnelName.check(tunnel);
      Fields.requireHex("access", access, AccessProof.PROOF_BYTES);
    }
  }

  /**
   * The provider answered: from the next byte on, this connection is spliced to the provider's, and
   * the two ends run their own encrypted handshake. The limits are the server's; 0 is unlimited.
   */
  record CircuitOpened(ConnectionId id, String tunnel, long maxDurationMillis, long bytesPerSecond)
      implements Message {
    public CircuitOpened {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
      Fields.requireRange("maxDurationMillis", maxDurationMillis, 0, MAX_MILLIS);
      Fields.requireRange("bytesPerSecond", bytesPerSecond, 0, Long.MAX_VALUE);
    }
  }

  /** The server refused a visitor's circuit, then closes the connection; the message says why. */
  record CircuitRefused(String tunnel, CircuitRefusal reason, String message) implements Message {
    public CircuitRefused {
      TunnelName.check(tunnel);
      Objects.requireNonNull(reason, "reason");
      message = Fields.clip("message", message);
    }
  }

  /** The server ended a circuit (a limit, the provider leaving); sent to both of its ends. */
  record CircuitClosed(ConnectionId id, String tunnel, String reason) implements Message {
    public CircuitClosed {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
      reason = Fields.clip("reason", reason);
    }
  }

  /** A circuit reached the server's rate limit and is being slowed to it; sent to both ends. */
  record CircuitThrottled(ConnectionId id, String tunnel, long bytesPerSecond) implements Message {
    public CircuitThrottled {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
      Fields.requireRange("bytesPerSecond", bytesPerSecond, 1, Long.MAX_VALUE);
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
}

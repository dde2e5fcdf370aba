package dev.pipe.proto;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pipe.balance.Backend;
import dev.pipe.balance.Strategy;
import dev.pipe.config.SourceFilter;
import java.net.InetSocketAddress;
import java.util.Arrays;
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

  /**
   * Server accepts a control login; both sides send a heartbeat at least this often, and the client
   * may keep up to {@code maxPoolConnections} idle data connections ready ({@link PoolLogin}).
   */
  record LoginAccepted(long heartbeatIntervalMillis, int maxPoolConnections) implements Message {
    public LoginAccepted {
      Fields.requireRange("heartbeatIntervalMillis", heartbeatIntervalMillis, 10, 3_600_000);
      Fields.requireRange("maxPoolConnections", maxPoolConnections, 0, Limits.MAX_POOL_CONNECTIONS);
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
   * source lists (address blocks) say which users the server may let in; empty allows everyone. A
   * UDP tunnel says how the server should keep its peers' sessions ({@link UdpSessions#DEFAULT}
   * when left out); a TCP tunnel has no sessions and leaves {@code udp} out.
   */
  record Forward(
      String tunnel,
      TunnelType type,
      int remotePort,
      List<String> allowSources,
      List<String> denySources,
      @JsonInclude(JsonInclude.Include.NON_NULL) UdpSessions udp)
      implements Message {
    public Forward {
      TunnelName.check(tunnel);
      Objects.requireNonNull(type, "type");
      udp =
          switch (type) {
            case TCP -> {
              if (udp != null) {
                throw new IllegalArgumentException("udp session settings given for a tcp tunnel");
              }
              yield null;
            }
            case UDP -> udp == null ? UdpSessions.DEFAULT : udp;
            case HTTP, HTTPS ->
                throw new IllegalArgumentException(
                    type.wireName() + " tunnels are asked for with HttpForward, not Forward");
            case RELAY ->
                throw new IllegalArgumentException(
                    "a relay tunnel opens no public port: it is reserved with Reserve, not Forward");
          };
      Fields.requireRange("remotePort", remotePort, 0, 65_535);
      allowSources = allowSources == null ? List.of() : List.copyOf(allowSources);
      denySources = denySources == null ? List.of() : List.copyOf(denySources);
      SourceFilter.parse(allowSources, denySources);
    }

    /** A tunnel with the default settings of its type. */
    public Forward(
        String tunnel,
        TunnelType type,
        int remotePort,
        List<String> allowSources,
        List<String> denySources) {
      this(tunnel, type, remotePort, allowSources, denySources, null);
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

  /**
   * A user connected to a tunnel: open a data connection and present this id on it. {@code source}
   * is the user's address and {@code destination} the server address the user reached, both as
   * {@code IP:PORT} ({@code [IPv6]:PORT}): a client that balances its local targets by {@code
   * ip_hash} hashes the source's IP, and one that writes a PROXY protocol header to its local
   * service writes both. Both are left out when the server does not know them (a UDP tunnel's data
   * connection).
   */
  record Exchange(
      ConnectionId id,
      String tunnel,
      @JsonInclude(JsonInclude.Include.NON_NULL) String source,
      @JsonInclude(JsonInclude.Include.NON_NULL) String destination)
      implements Message {
    public Exchange {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
      Fields.requireEndpointsOrNone(source, destination);
    }

    /** A data connection whose user's addresses the server does not pass on. */
    public Exchange(ConnectionId id, String tunnel) {
      this(id, tunnel, null, null);
    }

    /** The user's address, or null if the server did not give it. */
    public InetSocketAddress userAddress() {
      return Fields.endpointOrNull("source", source);
    }

    /** The server address the user reached, or null if the server did not give it. */
    public InetSocketAddress serverAddress() {
      return Fields.endpointOrNull("destination", destination);
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
   * First frame of a pooled data connection: a proof over this connection's nonce, and the client
   * whose pool of idle data connections it joins.
   */
  record PoolLogin(int protocolVersion, String proof, String clientId) implements Message {
    public PoolLogin {
      Fields.requireHex("proof", proof, Proof.PROOF_BYTES);
      Fields.requireHex("clientId", clientId, 16);
    }
  }

  /** The pooled data connection waits, idle, for a user connection; heartbeats keep it alive. */
  record PoolAccepted() implements Message {}

  /**
   * On a pooled data connection: from the next byte on it carries user connection {@code id} of
   * {@code tunnel}. {@code source} and {@code destination} are the user's addresses, as in {@link
   * Exchange}.
   */
  record Assign(
      ConnectionId id,
      String tunnel,
      @JsonInclude(JsonInclude.Include.NON_NULL) String source,
      @JsonInclude(JsonInclude.Include.NON_NULL) String destination)
      implements Message {
    public Assign {
      Objects.requireNonNull(id, "id");
      TunnelName.check(tunnel);
      Fields.requireEndpointsOrNone(source, destination);
    }

    /** The user's address, or null if the server did not give it. */
    public InetSocketAddress userAddress() {
      return Fields.endpointOrNull("source", source);
    }

    /** The server address the user reached, or null if the server did not give it. */
    public InetSocketAddress serverAddress() {
      return Fields.endpointOrNull("destination", destination);
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

  /**
   * Client opens {@code forward}'s tunnel as a member of a load-balanced group: every member shares
   * the group's public port, and the server spreads user connections over the healthy ones. The
   * first member sets the group's key and strategy; a member whose key or strategy differs is
   * refused with {@link ForwardRejected}. Answered like a {@link Forward}.
   */
  record JoinGroup(Forward forward, String group, String groupKey, Strategy strategy, int weight)
      implements Message {
    public JoinGroup {
      Objects.requireNonNull(forward, "forward");
      TunnelName.check(group);
      Fields.requireText("groupKey", groupKey, 256);
      Objects.requireNonNull(strategy, "strategy");
      Fields.requireRange("weight", weight, 1, Backend.MAX_WEIGHT);
    }

    /** Never shows the key: a message may end up in a log line. */
    @Override
    public String toString() {
      return "JoinGroup[forward="
          + forward
          + ", group="
          + group
          + ", groupKey=****, strategy="
          + strategy.wireName()
          + ", weight="
          + weight
          + "]";
    }
  }

  /**
   * The client's health check changed its verdict on a tunnel's local service: while unhealthy the
   * server sends the tunnel no new user connections (a group's other members take them).
   */
  record TunnelHealth(String tunnel, boolean healthy, String reason) implements Message {
    public TunnelHealth {
      TunnelName.check(tunnel);
      reason = Fields.clip("reason", reason);
    }
  }

  /**
   * The client stops one tunnel (a reload removed or changed it): the server closes its port, or
   * takes it out of its group. Connections already flowing through it go on until they end.
   */
  record StopTunnel(String tunnel, String reason) implements Message {
    public StopTunnel {
      TunnelName.check(tunnel);
      reason = Fields.clip("reason", reason);
    }
  }

  /**
   * Client asks for an http or https tunnel, reached by name on the server's shared port: {@code
   * subdomain} under the server's domain (empty: any free one), and {@code domains}, custom names
   * the operator allowed this user. An http tunnel may also ask the server to check HTTP basic auth
   * before any byte reaches the client, and to rewrite the Host header. {@code proxyProtocol} says
   * that the client writes a PROXY protocol header to its local service, so the server keeps each
   * data connection to requests of one user address.
   */
  record HttpForward(
      String tunnel,
      TunnelType type,
      String subdomain,
      List<String> domains,
      @JsonInclude(JsonInclude.Include.NON_NULL) HttpAuth auth,
      String hostHeader,
      boolean proxyProtocol,
      List<String> allowSources,
      List<String> denySources)
      implements Message {
    public HttpForward {
      TunnelName.check(tunnel);
      Objects.requireNonNull(type, "type");
      if (!type.routedByName()) {
        throw new IllegalArgumentException(
            type.wireName() + " tunnels are asked for with Forward, not HttpForward");
      }
      subdomain = subdomain == null || subdomain.isEmpty() ? "" : HostName.label(subdomain);
      domains = domains == null ? List.of() : domains.stream().map(HostName::name).toList();
      if (domains.size() > Limits.MAX_CUSTOM_DOMAINS) {
        throw new IllegalArgumentException(
            "at most " + Limits.MAX_CUSTOM_DOMAINS + " custom domains per tunnel");
      }
      hostHeader = hostHeader == null || hostHeader.isEmpty() ? "" : HostName.name(hostHeader);
      if (type == TunnelType.HTTPS && (auth != null || !hostHeader.isEmpty())) {
        throw new IllegalArgumentException(
            "basic auth and a Host rewrite need the server to read HTTP: an https tunnel's bytes"
                + " stay encrypted, so it can have neither");
      }
      allowSources = allowSources == null ? List.of() : List.copyOf(allowSources);
      denySources = denySources == null ? List.of() : List.copyOf(denySources);
      SourceFilter.parse(allowSources, denySources);
    }

    /** The source lists as a filter; they were validated when the message was made. */
    public SourceFilter sources() {
      return SourceFilter.parse(allowSources, denySources);
    }
  }

  /**
   * The credentials of HTTP basic auth that an http tunnel's users must give. It never prints them,
   * so that a message logged whole cannot leak them.
   */
  record HttpAuth(String user, String password) {
    public HttpAuth {
      Fields.requireText("user", user, 256);
      Fields.requireText("password", password, 256);
      if (user.indexOf(':') >= 0) {
        throw new IllegalArgumentException("a basic auth user name cannot contain ':'");
      }
    }

    @Override
    public String toString() {
      return "HttpAuth[****]";
    }
  }

  /**
   * The http or https tunnel is open at these URLs. {@code notice} says, when not empty, why the
   * server gave another name than the one asked for (taken, or not allowed for this user).
   */
  record HttpForwardAccepted(String tunnel, List<String> urls, String notice) implements Message {
    public HttpForwardAccepted {
      TunnelName.check(tunnel);
      urls = List.copyOf(urls);
      if (urls.isEmpty() || urls.size() > Limits.MAX_CUSTOM_DOMAINS + 1) {
        throw new IllegalArgumentException(
            "urls must hold 1 to " + (Limits.MAX_CUSTOM_DOMAINS + 1) + " addresses");
      }
      urls.forEach(url -> Fields.requireText("url", url, HostName.MAX_NAME_CHARS + 20));
      notice = Fields.clip("notice", notice);
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

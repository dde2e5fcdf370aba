package dev.pipe.admin;

import dev.pipe.proto.PipeVersion;
import dev.pipe.proto.TunnelType;
import dev.pipe.server.ClientInfo;
import dev.pipe.server.HandshakeFailure;
import dev.pipe.server.ServerEvents;
import dev.pipe.server.ServerLimit;
import dev.pipe.server.TunnelInfo;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's events as Prometheus metrics, in a registry of its own (so that two servers in one
 * process, as in tests, do not share counters), plus the JVM's metrics.
 *
 * <p>Per-tunnel series ({@code tunnel}, {@code type}, {@code port} labels) read the tunnel's live
 * {@link dev.pipe.proxy.Traffic} at scrape time, so a long download moves the byte counter while it
 * runs; they exist while the tunnel is open. Series without a tunnel label count for the server's
 * whole life.
 */
public final class PrometheusMetrics implements ServerEvents {
  static final String[] TUNNEL_LABELS = {"tunnel", "type", "port"};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Map<String, TunnelInfo> open = new ConcurrentHashMap<>();
  private final Gauge clients;
  private final Gauge tunnels;
  private final Counter tunnelsOpened;
  private final Counter connections;
  private final Counter dispatched;
  private final Counter handshakeFailures;
  private final Counter limitRejections;

  public PrometheusMetrics() {
    Info.builder()
        .name("pipe_build_info")
        .help("The pipe version this server runs")
        .labelNames("version")
        .register(registry)
        .addLabelValues(PipeVersion.software());
    clients =
        Gauge.builder()
            .name("pipe_clients_connected")
            .help("Clients logged in now")
            .register(registry);
    tunnels =
        Gauge.builder()
            .name("pipe_tunnels_open")
            .help("Tunnels open now, by type")
            .labelNames("type")
            .register(registry);
    List<String> types = Arrays.stream(TunnelType.values()).map(TunnelType::wireName).toList();
    tunnelsOpened =
        counter(
            "pipe_tunnels_opened_total",
            "Tunnels opened since the server started, by type",
            "type",
            types);
    connections =
        counter(
            "pipe_connections_total",
            "User connections spliced to a client since the server started, by tunnel type",
            "type",
            types);
    types.forEach(type -> tunnels.labelValues(type).set(0));
    dispatched =
        counter(
            "pipe_user_connections_dispatched_total",
            "User connections handed to their client, by how: a pooled data connection at once,"
                + " or an exchange (the client opens a data connection)",
            "via",
            List.of("pool", "exchange"));
    handshakeFailures =
        counter(
            "pipe_handshake_failures_total",
            "Connections to the control port that did not log in, by reason",
            "reason",
            Arrays.stream(HandshakeFailure.values()).map(HandshakeFailure::label).toList());
    limitRejections =
        counter(
            "pipe_limit_rejections_total",
            "Requests refused because a limit was reached, by the limit's config key",
            "limit",
            Arrays.stream(ServerLimit.values()).map(ServerLimit::key).toList());
    registerPerTunnel();
    JvmMetrics.builder().register(registry);
  }

  /**
   * A counter with one label whose every value exists from the start, at 0: an alert on its rate
   * then works before the first event.
   */
  private Counter counter(String name, String help, String label, List<String> values) {
    Counter counter = Counter.builder().name(name).help(help).labelNames(label).register(registry);
    values.forEach(counter::labelValues);
    return counter;
  }

  private void registerPerTunnel() {
    GaugeWithCallback.builder()
        .name("pipe_tunnel_connections_active")
        .help("User connections a tunnel carries now")
        .labelNames(TUNNEL_LABELS)
        .callback(
            callback ->
                open.values()
                    .forEach(
                        tunnel ->
                            callback.call(
                                tunnel.traffic().connectionsActive(), labelValues(tunnel))))
        .register(registry);
    CounterWithCallback.builder()
        .name("pipe_tunnel_connections_total")
        .help("User connections a tunnel has carried since it opened")
        .labelNames(TUNNEL_LABELS)
        .callback(
            callback ->
                open.values()
                    .forEach(
                        tunnel ->
                            callback.call(
                                tunnel.traffic().connectionsTotal(), labelValues(tunnel))))
        .register(registry);
    CounterWithCallback.builder()
        .name("pipe_tunnel_bytes")
        .unit(Unit.BYTES)
        .help(
            "Bytes a tunnel has carried since it opened; direction in: from its users, out: to"
                + " them")
        .labelNames("tunnel", "type", "port", "direction")
        .callback(
            callback ->
                open.values()
                    .forEach(
                        tunnel -> {
                          String[] labels = labelValues(tunnel);
                          callback.call(
                              tunnel.traffic().bytesIn(), labels[0], labels[1], labels[2], "in");
                          callback.call(
                              tunnel.traffic().bytesOut(), labels[0], labels[1], labels[2], "out");
                        }))
        .register(registry);
  }

  private static String[] labelValues(TunnelInfo tunnel) {
    return new String[] {tunnel.name(), tunnel.type().wireName(), String.valueOf(tunnel.port())};
  }

  /** The registry that {@code /metrics} exposes. */
  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void clientConnected(ClientInfo client) {
    clients.inc();
  }

  @Override
  public void clientLeft(ClientInfo client) {
    clients.dec();
  }

  @Override
  public void tunnelOpened(TunnelInfo tunnel) {
    open.put(tunnel.id(), tunnel);
    tunnels.labelValues(tunnel.type().wireName()).inc();
    tunnelsOpened.labelValues(tunnel.type().wireName()).inc();
  }

  @Override
  public void tunnelClosed(TunnelInfo tunnel, String reason) {
    open.remove(tunnel.id());
    tunnels.labelValues(tunnel.type().wireName()).dec();
  }

  @Override
  public void userConnectionDispatched(TunnelInfo tunnel, boolean pooled) {
    dispatched.labelValues(pooled ? "pool" : "exchange").inc();
  }

  @Override
  public void connectionOpened(TunnelInfo tunnel) {
    connections.labelValues(tunnel.type().wireName()).inc();
  }

  @Override
  public void handshakeFailed(HandshakeFailure reason) {
    handshakeFailures.labelValues(reason.label()).inc();
  }

  @Override
  public void limitHit(ServerLimit limit) {
    limitRejections.labelValues(limit.key()).inc();
  }
}

package dev.pipe.cli;

import dev.pipe.client.ClientListener;
import dev.pipe.client.TunnelSpec;
import dev.pipe.client.VisitorSpec;
import dev.pipe.config.HostPort;
import dev.pipe.proto.TunnelType;
import java.util.List;

/**
 * Prints the lines a user reads: where each tunnel can be reached and where each visitor listens
 * (stdout, so they can be copied), or why something was refused or closed (stderr).
 */
record ClientPrinter(HostPort server) implements ClientListener {
  @Override
  public void tunnelReady(TunnelSpec tunnel, int remotePort) {
    if (tunnel.type() == TunnelType.RELAY) {
      System.out.println(
          "tunnel "
              + tunnel.name()
              + " ready: relay "
              + tunnel.local()
              + " <- visitors holding its secret, via "
              + server
              + " (pipe visit --server "
              + server
              + " --name "
              + tunnel.name()
              + " ...)");
    } else {
      System.out.println(
          "tunnel "
              + tunnel.name()
              + " ready: "
              + tunnel.type().wireName()
              + " "
              + tunnel.local()
              + " -> "
              + new HostPort(server.host(), remotePort));
    }
    System.out.flush();
  }

  @Override
  public void tunnelReady(TunnelSpec tunnel, List<String> urls, String notice) {
    if (!notice.isEmpty()) {
      System.err.println("tunnel " + tunnel.name() + ": " + notice);
    }
    System.out.println(
        "tunnel "
            + tunnel.name()
            + " ready: "
            + tunnel.type().wireName()
            + " "
            + tunnel.local()
            + " -> "
            + String.join(" ", urls));
    System.out.flush();
  }

  @Override
  public void tunnelRejected(TunnelSpec tunnel, String reason) {
    System.err.println("tunnel " + tunnel.name() + " rejected: " + reason);
  }

  @Override
  public void tunnelOffline(TunnelSpec tunnel, String reason) {
    System.out.println("tunnel " + tunnel.name() + " offline: " + reason + "; reconnecting");
    System.out.flush();
  }

  @Override
  public void tunnelHealth(TunnelSpec tunnel, boolean healthy, String reason) {
    boolean relay = tunnel.type() == TunnelType.RELAY;
    System.out.println(
        "tunnel "
            + tunnel.name()
            + (healthy
                ? (relay ? " healthy again" : " healthy again: back in the rotation")
                : " unhealthy: "
                    + reason
                    + (relay
                        ? "; its visitors' circuits fail until a local target is up"
                        : "; the server sends it no new users")));
    System.out.flush();
  }

  @Override
  public void tunnelClosed(TunnelSpec tunnel, String reason) {
    System.err.println(
        "tunnel "
            + tunnel.name()
            + " closed by the server: "
            + reason
            + "; this client will not reopen it until it is restarted");
  }

  @Override
  public void visitorReady(VisitorSpec visitor, int localPort) {
    System.out.println(
        "visitor "
            + visitor.name()
            + " ready: "
            + new HostPort(visitor.bind().host(), localPort)
            + " -> relay tunnel "
            + visitor.name()
            + " via "
            + server);
    System.out.flush();
  }

  @Override
  public void circuitRefused(VisitorSpec visitor, String reason) {
    System.err.println("visitor " + visitor.name() + ": circuit refused: " + reason);
  }

  @Override
  public void circuitClosed(String tunnel, String reason) {
    System.err.println("relay tunnel " + tunnel + ": circuit closed by the server: " + reason);
  }

  @Override
  public void circuitThrottled(String tunnel, long bytesPerSecond) {
    System.err.println(
        "relay tunnel "
            + tunnel
            + ": the server slows a circuit to "
            + bytesPerSecond
            + " bytes/s each way (its max_circuit_rate)");
  }

  @Override
  public void circuitBroken(String tunnel, String reason) {
    System.err.println("relay tunnel " + tunnel + ": circuit closed: " + reason);
  }
}

package dev.pipe.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pipe.client.ClientConfig;
import dev.pipe.client.ClientStatus;
import dev.pipe.client.TunnelStatus;
import dev.pipe.config.HostPort;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pipe status}: the tunnels of a running {@code pipe client}, their state and traffic. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show the tunnels of a running pipe client on this machine: state, public port,",
      "connections and bytes. Reads the client's status endpoint (see 'pipe client --status')."
    })
final class StatusCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  @Option(
      names = "--client",
      paramLabel = "[HOST:]PORT",
      description = "The client's status address (default 127.0.0.1:8912).")
  String client;

  @Option(names = "--json", description = "Print the status as the client reports it, in JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    HostPort address =
        client == null
            ? ClientConfig.DEFAULT_STATUS
            : Flags.parse("--client", client, text -> HostPort.parse(text, ClientConfig.LOCALHOST));
    String body = fetch(address);
    if (json) {
      System.out.println(body);
      return 0;
    }
    print(JSON.readValue(body, ClientStatus.class), System.out);
    return 0;
  }

  private static String fetch(HostPort address) throws IOException, InterruptedException {
    URI uri = URI.create("http://" + address + "/status");
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException(
            uri + " answered HTTP " + response.statusCode() + "; is it a pipe client?");
      }
      return response.body();
    } catch (ConnectException e) {
      throw new IOException(
          "no pipe client answers on "
              + address
              + "; is 'pipe client' running? If it was given --status, pass the same address"
              + " with --client",
          e);
    }
  }

  static void print(ClientStatus status, PrintStream out) {
    out.println(
        "pipe client "
            + status.version()
            + ", server "
            + status.server()
            + ": "
            + (status.connected() ? "connected" : "not connected (reconnecting)"));
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "TUNNEL", "TYPE", "LOCAL", "PUBLIC PORT", "STATE", "CONNECTIONS", "IN", "OUT"
        });
    List<String> details = new ArrayList<>();
    for (TunnelStatus tunnel : status.tunnels()) {
      rows.add(
          new String[] {
            tunnel.name(),
            tunnel.type(),
            tunnel.local(),
            tunnel.remotePort() == 0 ? "-" : String.valueOf(tunnel.remotePort()),
            tunnel.state(),
            tunnel.connections() + " (" + tunnel.connectionsTotal() + " total)",
            bytes(tunnel.bytesIn()),
            bytes(tunnel.bytesOut())
          });
      if (!tunnel.detail().isEmpty()) {
        details.add("  " + tunnel.name() + " " + tunnel.state() + ": " + tunnel.detail());
      }
    }
    int[] widths = new int[rows.getFirst().length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
    details.forEach(out::println);
  }

  /** 1536 as "1.5 KiB": binary units, as the dashboard shows them. */
  static String bytes(long count) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = count;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit == 0
        ? count + " B"
        : String.format(Locale.ROOT, value < 10 ? "%.2f %s" : "%.1f %s", value, units[unit]);
  }
}

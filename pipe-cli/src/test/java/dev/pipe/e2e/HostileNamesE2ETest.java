package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.client.WebOptions;
import dev.pipe.proto.Message;
import dev.pipe.server.PipeServer;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Names are validated everywhere they enter: in a client's configuration (refused with the reason
 * before anything is sent), in the protocol (a frame with such a name closes that session and opens
 * nothing), in Host headers (no tunnel is reached) and in Caddy's ask check (no certificate is
 * allowed). pipe never writes into Caddy's configuration: the ask check is all Caddy hears.
 */
@Timeout(60)
class HostileNamesE2ETest {
  private static final List<String> HOSTILE =
      List.of(
          "a\"}]",
          "../",
          "a".repeat(300),
          "\u212Alpha", // the Kelvin sign, which lowercases to k
          "\u0430lpha", // a Cyrillic a
          "ALPHA\u0130", // a dotted capital I
          "alpha.example.test\"},{\"match\":[{\"host\":[\"*\"]}]",
          "xn--lpha-2ve");

  private RecordingWebService alpha;
  private PipeServer server;
  private RunningClient client;

  @BeforeEach
  void start() throws Exception {
    alpha = RecordingWebService.start("alpha");
    server = PipeServer.start(Fixture.httpServerConfig().tls(false).askPort(0).build());
    client = RunningClient.plain(server.port(), http("a", alpha.port(), "alpha"));
    client.awaitWeb("a");
  }

  @AfterEach
  void stop() {
    client.close();
    server.close();
    alpha.close();
  }

  @Test
  void aClientRefusesHostileNamesWithTheReasonBeforeSendingThem() {
    for (String name : HOSTILE) {
      assertThatThrownBy(() -> new WebOptions(name, List.of(), Optional.empty(), ""))
          .as(name)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("subdomain ");
      if (!name.startsWith("xn--")) {
        // A punycode custom domain is a valid name: only the operator's allow_domains stops it.
        assertThatThrownBy(() -> new WebOptions("", List.of(name), Optional.empty(), ""))
            .as(name)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("host name");
      }
    }
    assertThat(new WebOptions("Alpha", List.of(), Optional.empty(), "").subdomain())
        .as("plain uppercase is only lowercased")
        .isEqualTo("alpha");
  }

  @ParameterizedTest
  @ValueSource(strings = {"subdomain", "domains"})
  void aForwardWithAHostileNameEndsThatSessionAndOpensNothing(String field) throws Exception {
    for (String name : HOSTILE) {
      try (RawClient raw = RawClient.connect(server.port())) {
        assertThat(raw.login()).isInstanceOf(Message.LoginAccepted.class);
        String value =
            field.equals("subdomain") ? json(name) : "\"\",\"domains\":[" + json(name) + "]";
        String body =
            "{\"tunnel\":\"evil\",\"type\":\"http\",\"proxyProtocol\":false,\"subdomain\":"
                + value
                + "}";
        raw.socket.getOutputStream().write(RawClient.frame(0x80, body));
        if (field.equals("domains") && name.startsWith("xn--")) {
          assertThat(raw.channel.receive())
              .asInstanceOf(InstanceOfAssertFactories.type(Message.ForwardRejected.class))
              .extracting(Message.ForwardRejected::reason, InstanceOfAssertFactories.STRING)
              .contains("custom domain xn--lpha-2ve is not allowed on this server");
          continue;
        }
        assertThatThrownBy(() -> raw.channel.receive())
            .as("the session of a client that sent %s", name)
            .isInstanceOf(IOException.class)
            .satisfiesAnyOf(
                e -> assertThat(e).isInstanceOf(EOFException.class),
                e -> assertThat(e).hasMessageContaining("reset"));
      }
    }
    assertThat(server.tunnels()).extracting(t -> t.name()).containsExactly("a");
    try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      assertThat(connection.get("alpha." + Fixture.DOMAIN, "/").read().status()).isEqualTo(200);
    }
  }

  @Test
  void hostHeadersThatImitateALiveNameReachNoTunnel() throws Exception {
    for (String name :
        List.of("\u0430lpha." + Fixture.DOMAIN, "alpha." + Fixture.DOMAIN + "\u0000", "alpha")) {
      try (RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
        // Sent as the UTF-8 bytes a browser would put on the wire.
        connection
            .socket
            .getOutputStream()
            .write(
                ("GET / HTTP/1.1\r\nHost: " + name + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        int status = connection.read().status();
        assertThat(status).as(name).isIn(400, 404);
      }
    }
    assertThat(alpha.seen()).isEmpty();
  }

  @Test
  void theAskCheckAllowsOnlyLiveNames() throws Exception {
    assertThat(ask("alpha." + Fixture.DOMAIN)).isEqualTo(200);
    assertThat(ask("ALPHA." + Fixture.DOMAIN)).as("DNS names ignore case").isEqualTo(200);
    assertThat(ask("beta." + Fixture.DOMAIN)).isEqualTo(404);
    assertThat(ask(Fixture.DOMAIN)).isEqualTo(404);
    for (String name : HOSTILE) {
      assertThat(ask(name)).as(name).isEqualTo(404);
      assertThat(ask(name + "." + Fixture.DOMAIN)).as(name).isEqualTo(404);
    }
  }

  private int ask(String name) throws Exception {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      URI uri =
          URI.create(
              "http://127.0.0.1:"
                  + server.askPort().getAsInt()
                  + "/ask?domain="
                  + URLEncoder.encode(name, StandardCharsets.UTF_8));
      return http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
  }

  private static String json(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        quoted.append(String.format("\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}

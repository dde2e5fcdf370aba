package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.http;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.TunnelStatus;
import dev.pipe.client.WebOptions;
import dev.pipe.config.Cidr;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.http.BodyCopy;
import dev.pipe.proxy.http.BodyLength;
import dev.pipe.proxy.http.HeadLimits;
import dev.pipe.proxy.http.HttpInput;
import dev.pipe.proxy.http.RequestHead;
import dev.pipe.server.PipeServer;
import dev.pipe.server.TunnelInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * http tunnels on one shared HTTP port, routed by Host: each name reaches its own local service,
 * keep-alive connections carry several requests (and may change host between them without a byte
 * reaching the wrong tunnel), WebSocket upgrades pass through, unknown names get the friendly page,
 * and the forwarded headers say who asked.
 */
@Timeout(60)
class HttpTunnelE2ETest {
  private RecordingWebService alpha;
  private RecordingWebService beta;
  private PipeServer server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    alpha = RecordingWebService.start("alpha");
    beta = RecordingWebService.start("beta");
    server = PipeServer.start(Fixture.httpServerConfig().build());
    port = server.httpPort().getAsInt();
  }

  @AfterEach
  void stop() {
    server.close();
    alpha.close();
    beta.close();
  }

  private String host(String subdomain) {
    return subdomain + "." + Fixture.DOMAIN + ":" + port;
  }

  @Test
  void twoTunnelsShareThePortAndEachNameReachesItsOwnService() throws Exception {
    try (RunningClient client =
        RunningClient.start(
            server, http("a", alpha.port(), "alpha"), http("b", beta.port(), "beta"))) {
      assertThat(client.awaitWeb("a").urls()).containsExactly("http://" + host("alpha"));
      assertThat(client.awaitWeb("b").urls()).containsExactly("http://" + host("beta"));
      try (RawHttp first = new RawHttp(port);
          RawHttp second = new RawHttp(port)) {
        RawHttp.Response fromAlpha = first.get(host("alpha"), "/hello").read();
        RawHttp.Response fromBeta = second.get(host("beta"), "/hello").read();
        assertThat(fromAlpha.status()).isEqualTo(200);
        assertThat(fromAlpha.body()).isEqualTo("alpha /hello ");
        assertThat(fromBeta.body()).isEqualTo("beta /hello ");
      }
      TunnelInfo a = tunnel("a");
      assertThat(a.type()).isEqualTo(TunnelType.HTTP);
      assertThat(a.hosts()).containsExactly("alpha." + Fixture.DOMAIN);
      assertThat(a.port()).isEqualTo(port);
      TunnelStatus status = client.status().tunnels().getFirst();
      assertThat(status.urls()).containsExactly("http://" + host("alpha"));
    }
  }

  @Test
  void keepAliveCarriesSeveralRequestsAndEachReachesTheTunnelOfItsHost() throws Exception {
    try (RunningClient client =
            RunningClient.start(
                server, http("a", alpha.port(), "alpha"), http("b", beta.port(), "beta"));
        RawHttp connection = new RawHttp(port)) {
      client.awaitWeb("a");
      client.awaitWeb("b");
      assertThat(connection.get(host("alpha"), "/1").read().body()).isEqualTo("alpha /1 ");
      assertThat(connection.get(host("alpha"), "/2").read().body()).isEqualTo("alpha /2 ");
      assertThat(connection.get(host("beta"), "/3").read().body()).isEqualTo("beta /3 ");
      assertThat(connection.get(host("alpha"), "/4").read().body()).isEqualTo("alpha /4 ");
      assertThat(alpha.seen())
          .extracting(RecordingWebService.Seen::path)
          .containsExactly("/1", "/2", "/4");
      assertThat(beta.seen()).extracting(RecordingWebService.Seen::path).containsExactly("/3");
      // /1 and /2 shared one data connection; /4 needed a new one after /3 went to beta.
      assertThat(tunnel("a").traffic().connectionsTotal()).isEqualTo(2);
      assertThat(tunnel("b").traffic().connectionsTotal()).isEqualTo(1);
    }
  }

  @Test
  void userConnectionsThatCloseAfterEachRequestShareOneDataConnection() throws Exception {
    try (RunningClient client = RunningClient.start(server, http("a", alpha.port(), "alpha"))) {
      client.awaitWeb("a");
      for (int i = 1; i <= 3; i++) {
        try (RawHttp connection = new RawHttp(port)) {
          RawHttp.Response response =
              connection.get(host("alpha"), "/" + i, "Connection: close").read();
          assertThat(response.body()).isEqualTo("alpha /" + i + " ");
          assertThat(response.header("Connection")).isEqualTo("close");
          assertThat(connection.closedByServer()).isTrue();
        }
      }
      assertThat(tunnel("a").traffic().connectionsTotal()).as("user connections").isEqualTo(3);
      assertThat(client.status().tunnels().getFirst().connectionsTotal())
          .as("data connections the client opened")
          .isEqualTo(1);
    }
    assertThat(alpha.seen())
        .as("the user's Connection header concerns its own connection only")
        .allSatisfy(seen -> assertThat(seen.header("Connection")).isNull());
  }

  @Test
  void requestBodiesArriveWholeWithALengthOrInChunks() throws Exception {
    try (RunningClient client = RunningClient.start(server, http("a", alpha.port(), "alpha"));
        RawHttp connection = new RawHttp(port)) {
      client.awaitWeb("a");
      connection.send(
          "POST /fixed HTTP/1.1\r\nHost: " + host("alpha") + "\r\nContent-Length: 5", "hello");
      assertThat(connection.read().body()).isEqualTo("alpha /fixed hello");
      connection.send(
          "POST /chunked HTTP/1.1\r\nHost: " + host("alpha") + "\r\nTransfer-Encoding: chunked",
          "6;ext=1\r\nchunky\r\n5\r\n body\r\n0\r\n\r\n");
      assertThat(connection.read().body()).isEqualTo("alpha /chunked chunky body");
    }
  }

  @Test
  void aWebSocketUpgradePassesThroughAndEchoes() throws Exception {
    try (WebSocketEcho echo = WebSocketEcho.start();
        RunningClient client = RunningClient.start(server, http("ws", echo.port(), "ws"));
        Socket user = Fixture.connect(port)) {
      client.awaitWeb("ws");
      OutputStream out = user.getOutputStream();
      out.write(
          ("GET /chat HTTP/1.1\r\nHost: "
                  + host("ws")
                  + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13"
                  + "\r\nSec-WebSocket-Key: "
                  + WebSocketEcho.KEY
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      InputStream in = user.getInputStream();
      String head = WebSocketEcho.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 101 ");
      assertThat(head).contains("Sec-WebSocket-Accept: " + WebSocketEcho.accept(WebSocketEcho.KEY));
      for (String text : List.of("hello", "through the tunnel", "and back")) {
        WebSocketEcho.writeFrame(out, text, true);
        assertThat(WebSocketEcho.readFrame(in)).isEqualTo("echo: " + text);
      }
    }
  }

  @Test
  void anUnknownNameGetsTheFriendlyPageAndHostileOnesAreNotEchoed() throws Exception {
    try (RawHttp connection = new RawHttp(port)) {
      RawHttp.Response page = connection.get(host("nobody"), "/").read();
      assertThat(page.status()).isEqualTo(404);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.body())
          .contains("No tunnel is connected for <code>nobody." + Fixture.DOMAIN + "</code>");
      assertThat(connection.closedByServer()).isTrue();
    }
    for (String hostile : List.of("<script>alert(1)</script>", "a\"}]", "../../etc")) {
      try (RawHttp connection = new RawHttp(port)) {
        RawHttp.Response page = connection.get(hostile, "/").read();
        assertThat(page.status()).isEqualTo(404);
        assertThat(page.body()).contains("for this name").doesNotContain(hostile);
      }
    }
  }

  @Test
  void forwardedHeadersSayWhoAskedHowAndForWhichName() throws Exception {
    try (RunningClient client = RunningClient.start(server, http("a", alpha.port(), "alpha"));
        RawHttp connection = new RawHttp(port)) {
      client.awaitWeb("a");
      connection.get(host("alpha"), "/plain").read();
      // The test connects from 127.0.0.1, which is trusted as a proxy in front by default: what it
      // says about the user is kept and extended, as Caddy's would be.
      connection
          .get(
              host("alpha"),
              "/proxied",
              "X-Forwarded-For: 203.0.113.9",
              "X-Forwarded-Proto: https",
              "X-Forwarded-Host: alpha.example.test")
          .read();
    }
    RecordingWebService.Seen plain = alpha.seen().get(0);
    assertThat(plain.header("X-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(plain.header("X-forwarded-proto")).isEqualTo("http");
    assertThat(plain.header("X-forwarded-host")).isEqualTo(host("alpha"));
    RecordingWebService.Seen proxied = alpha.seen().get(1);
    assertThat(proxied.header("X-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(proxied.header("X-forwarded-proto")).isEqualTo("https");
    assertThat(proxied.header("X-forwarded-host")).isEqualTo("alpha.example.test");
  }

  @Test
  void anUntrustedPeerCannotForgeWhoItIs() throws Exception {
    try (PipeServer strict =
            PipeServer.start(Fixture.httpServerConfig().trustedProxies(List.<Cidr>of()).build());
        RunningClient client = RunningClient.start(strict, http("a", alpha.port(), "alpha"));
        RawHttp connection = new RawHttp(strict.httpPort().getAsInt())) {
      client.awaitWeb("a");
      String name = "alpha." + Fixture.DOMAIN + ":" + strict.httpPort().getAsInt();
      connection
          .get(
              name,
              "/",
              "X-Forwarded-For: 6.6.6.6",
              "X-Forwarded-Proto: https",
              "X-Real-IP: 6.6.6.6",
              "Forwarded: for=6.6.6.6")
          .read();
    }
    RecordingWebService.Seen seen = alpha.seen().getFirst();
    assertThat(seen.header("X-forwarded-for")).isEqualTo("127.0.0.1");
    assertThat(seen.header("X-forwarded-proto")).isEqualTo("http");
    assertThat(seen.header("X-real-ip")).isNull();
    assertThat(seen.header("Forwarded")).isNull();
  }

  @Test
  void theHostHeaderCanBeRewrittenForTheLocalService() throws Exception {
    WebOptions rewrite = new WebOptions("alpha", List.of(), Optional.empty(), "localhost");
    try (RunningClient client =
            RunningClient.start(server, Fixture.web("a", TunnelType.HTTP, alpha.port(), rewrite));
        RawHttp connection = new RawHttp(port)) {
      client.awaitWeb("a");
      connection.get(host("alpha"), "/").read();
    }
    assertThat(alpha.seen().getFirst().header("Host")).isEqualTo("localhost");
    assertThat(alpha.seen().getFirst().header("X-forwarded-host")).isEqualTo(host("alpha"));
  }

  @Test
  void aTakenSubdomainGivesARandomReadableOneAndSaysWhy() throws Exception {
    try (RunningClient first = RunningClient.start(server, http("a", alpha.port(), "alpha"))) {
      assertThat(first.awaitWeb("a").notice()).isEmpty();
      try (RunningClient second = RunningClient.start(server, http("b", beta.port(), "alpha"))) {
        RunningClient.Web other = second.awaitWeb("b");
        assertThat(other.notice())
            .contains("subdomain alpha is taken by another tunnel")
            .contains("this tunnel got " + other.host());
        assertThat(other.host())
            .matches("[a-z]+-[a-z]+-\\d{4}\\." + Fixture.DOMAIN.replace(".", "\\."));
        try (RawHttp connection = new RawHttp(port)) {
          assertThat(connection.get(other.authority(), "/").read().body()).isEqualTo("beta / ");
        }
      }
    }
  }

  @Test
  void aClosedTunnelFreesItsNameAtOnce() throws Exception {
    try (RunningClient client = RunningClient.start(server, http("a", alpha.port(), "alpha"))) {
      client.awaitWeb("a");
      assertThat(server.closeTunnel(tunnel("a").id(), "test")).isPresent();
      try (RawHttp connection = new RawHttp(port)) {
        assertThat(connection.get(host("alpha"), "/").read().status()).isEqualTo(404);
      }
    }
  }

  @Test
  void aKeptAliveConnectionTheLocalServiceClosedCostsNoRequest() throws Exception {
    try (OneShotService service = new OneShotService();
        RunningClient client = RunningClient.start(server, http("once", service.port(), "once"));
        RawHttp connection = new RawHttp(port)) {
      client.awaitWeb("once");
      assertThat(connection.get(host("once"), "/1").read().body()).isEqualTo("answer 1");
      // The service closed its connection after answering, without saying so (as Node.js does
      // with a connection idle for 5 s): whether or not that reached pipe yet, the next request
      // must not find a dead data connection.
      assertThat(connection.get(host("once"), "/2").read().body()).isEqualTo("answer 2");
      Fixture.eventually(
          Duration.ofSeconds(10),
          "the data connection to be idle longer than a body may wait",
          () -> service.idleFor(1_500));
      connection.send(
          "POST /3 HTTP/1.1\r\nHost: " + host("once") + "\r\nContent-Length: 4", "body");
      assertThat(connection.read().body()).isEqualTo("answer 3");
    }
  }

  /** A local service that answers one request per connection and then closes it, unannounced. */
  private static final class OneShotService implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger answers = new AtomicInteger();
    private volatile long lastAnswer = System.nanoTime();

    OneShotService() throws IOException {
      Thread.ofVirtual().start(this::serve);
    }

    int port() {
      return listener.getLocalPort();
    }

    boolean idleFor(long millis) {
      return System.nanoTime() - lastAnswer > Duration.ofMillis(millis).toNanos();
    }

    private void serve() {
      while (!listener.isClosed()) {
        try (Socket socket = listener.accept()) {
          HttpInput in = new HttpInput(socket.getInputStream(), 4_096);
          RequestHead request = RequestHead.read(in, new HeadLimits(4_096, 50));
          new BodyCopy(
                  in,
                  OutputStream.nullOutputStream(),
                  bytes -> {},
                  new byte[64],
                  new HeadLimits(4_096, 50),
                  400)
              .copy(BodyLength.of(request));
          String body = "answer " + answers.incrementAndGet();
          socket
              .getOutputStream()
              .write(
                  ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                      .getBytes(StandardCharsets.US_ASCII));
          lastAnswer = System.nanoTime();
        } catch (IOException e) {
          // The listener closed: the test is over.
        }
      }
    }

    @Override
    public void close() {
      Sockets.closeQuietly(listener);
    }
  }

  private TunnelInfo tunnel(String name) {
    return server.tunnels().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
  }
}

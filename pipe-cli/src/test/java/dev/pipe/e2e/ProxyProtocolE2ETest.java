package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.client.Balancing;
import dev.pipe.client.TunnelSpec;
import dev.pipe.client.WebOptions;
import dev.pipe.config.HostPort;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.Secret;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.ProxyProtocol;
import dev.pipe.proxy.Sockets;
import dev.pipe.proxy.http.HeadLimits;
import dev.pipe.proxy.http.HttpInput;
import dev.pipe.proxy.http.RequestHead;
import dev.pipe.server.PipeServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With PROXY protocol on, the local service reads the real user's address from the header the
 * client writes first, for tcp tunnels and for http tunnels (where the user may stand behind a
 * trusted proxy, as with Caddy in front).
 */
@Timeout(60)
class ProxyProtocolE2ETest {
  private static final byte[] V2_SIGNATURE = {
    0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
  };

  @Test
  void aTcpServiceReadsTheUsersAddressFromAVersion2Header() throws Exception {
    try (AddressService service = AddressService.start(false);
        PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client = RunningClient.start(server, tcp(service.port(), ProxyProtocol.V2));
        Socket user = new Socket()) {
      int port = client.awaitReady("tcp-proxied");
      user.bind(new InetSocketAddress(Fixture.LOOPBACK, 0));
      user.connect(new InetSocketAddress(Fixture.LOOPBACK, port), 10_000);
      user.setSoTimeout(30_000);
      String seen = new String(user.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(seen)
          .isEqualTo("source=127.0.0.1:" + user.getLocalPort() + " destination=127.0.0.1:" + port);
    }
  }

  @Test
  void anHttpServiceSeesTheUserBehindATrustedProxyOnePerDataConnection() throws Exception {
    try (AddressService service = AddressService.start(true);
        PipeServer server = PipeServer.start(Fixture.httpServerConfig().build());
        RunningClient client =
            RunningClient.start(
                server,
                new TunnelSpec(
                    "web",
                    TunnelType.HTTP,
                    new HostPort(Fixture.LOOPBACK, service.port()),
                    Optional.empty(),
                    SourceFilter.ANY,
                    new WebOptions("proxied", List.of(), Optional.empty(), ""),
                    Optional.of(ProxyProtocol.V2)));
        RawHttp connection = new RawHttp(server.httpPort().getAsInt())) {
      String host = client.awaitWeb("web").authority();
      // One keep-alive connection from a trusted proxy carries two users' requests, as Caddy's
      // pooled connections do: each user's requests get a data connection (and header) of their
      // own.
      assertThat(connection.get(host, "/", "X-Forwarded-For: 203.0.113.9").read().body())
          .startsWith("source=203.0.113.9:0 ");
      assertThat(connection.get(host, "/", "X-Forwarded-For: 203.0.113.9").read().body())
          .startsWith("source=203.0.113.9:0 ");
      assertThat(connection.get(host, "/", "X-Forwarded-For: 198.51.100.4").read().body())
          .startsWith("source=198.51.100.4:0 ");
      assertThat(service.connections()).isEqualTo(2);
    }
  }

  @Test
  void versionOneIsALineOfText() throws Exception {
    try (TextService service = new TextService();
        PipeServer server = PipeServer.start(Fixture.serverConfig().build());
        RunningClient client = RunningClient.start(server, tcp(service.port(), ProxyProtocol.V1));
        Socket user = Fixture.connect(client.awaitReady("tcp-proxied"))) {
      String seen = new String(user.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(seen)
          .matches(
              "PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 "
                  + user.getLocalPort()
                  + " "
                  + user.getPort()
                  + "\r\n");
    }
  }

  private static TunnelSpec tcp(int localPort, ProxyProtocol version) {
    return new TunnelSpec(
        "tcp-proxied",
        TunnelType.TCP,
        new HostPort(Fixture.LOOPBACK, localPort),
        0,
        Optional.empty(),
        SourceFilter.ANY,
        Balancing.NONE,
        Optional.empty(),
        WebOptions.NONE,
        Optional.of(version),
        Secret.none());
  }

  /** Parses a PROXY v2 header as a service such as nginx or HAProxy would. */
  static String readVersion2(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] signature = new byte[12];
    data.readFully(signature);
    if (!Arrays.equals(signature, V2_SIGNATURE) || data.readUnsignedByte() != 0x21) {
      throw new IOException("not a PROXY v2 header with the PROXY command");
    }
    int family = data.readUnsignedByte();
    byte[] addresses = new byte[data.readUnsignedShort()];
    data.readFully(addresses);
    int size = family == 0x11 ? 4 : 16;
    ByteBuffer buffer = ByteBuffer.wrap(addresses);
    byte[] source = new byte[size];
    byte[] destination = new byte[size];
    buffer.get(source).get(destination);
    int sourcePort = buffer.getShort() & 0xffff;
    int destinationPort = buffer.getShort() & 0xffff;
    return "source="
        + InetAddress.getByAddress(source).getHostAddress()
        + ":"
        + sourcePort
        + " destination="
        + InetAddress.getByAddress(destination).getHostAddress()
        + ":"
        + destinationPort;
  }

  /**
   * A local service that reads the PROXY v2 header and answers with the addresses in it: once and
   * closes (tcp), or as the body of every HTTP response on the connection (http).
   */
  private static final class AddressService implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final boolean http;
    private int connections;

    private AddressService(boolean http) throws IOException {
      this.http = http;
    }

    static AddressService start(boolean http) throws IOException {
      AddressService service = new AddressService(http);
      Thread.ofVirtual().start(service::acceptLoop);
      return service;
    }

    int port() {
      return listener.getLocalPort();
    }

    synchronized int connections() {
      return connections;
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket socket = listener.accept();
          synchronized (this) {
            connections++;
          }
          Thread.ofVirtual().start(() -> serve(socket));
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        String addresses = readVersion2(in);
        OutputStream out = socket.getOutputStream();
        if (!http) {
          out.write(addresses.getBytes(StandardCharsets.US_ASCII));
          return;
        }
        HttpInput requests = new HttpInput(in, 4_096);
        while (RequestHead.read(requests, new HeadLimits(4_096, 50)) != null) {
          byte[] body = (addresses + " ").getBytes(StandardCharsets.US_ASCII);
          out.write(
              ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
          out.write(body);
        }
      } catch (IOException e) {
        // The tunnel closed the connection: the test is over, or its user moved on.
      }
    }

    @Override
    public void close() {
      Sockets.closeQuietly(listener);
    }
  }

  /** A local service that sends back the first line it reads. */
  private static final class TextService implements AutoCloseable {
    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

    TextService() throws IOException {
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket socket = listener.accept()) {
                  String line = WebSocketEcho.readLine(socket.getInputStream());
                  socket.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // The test failed elsewhere and closed the listener.
                }
              });
    }

    int port() {
      return listener.getLocalPort();
    }

    @Override
    public void close() {
      Sockets.closeQuietly(listener);
    }
  }
}

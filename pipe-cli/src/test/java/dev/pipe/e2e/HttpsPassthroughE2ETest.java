package dev.pipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.cli.TestCertificates;
import dev.pipe.client.WebOptions;
import dev.pipe.proto.Fingerprint;
import dev.pipe.proto.TunnelType;
import dev.pipe.proxy.Sockets;
import dev.pipe.server.PipeServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https tunnel: the server routes the TLS connection by the name in its ClientHello and never
 * decrypts it. The user's TLS session ends at the local service, which alone holds the key; the
 * server has nothing but its own certificate.
 */
@Timeout(60)
class HttpsPassthroughE2ETest {
  private static final String NAME = "secure." + Fixture.DOMAIN;

  @TempDir Path dir;
  private TestCertificates certificates;
  private TlsEchoService local;
  private PipeServer server;

  @BeforeEach
  void start() throws Exception {
    certificates = TestCertificates.forName(dir, NAME);
    local = new TlsEchoService(certificates.serverContext());
    server = PipeServer.start(Fixture.httpServerConfig().httpsPort(0).build());
  }

  @AfterEach
  void stop() {
    server.close();
    local.close();
  }

  private SSLSocket connect(String name) throws Exception {
    SSLContext context = certificates.clientContext();
    SSLSocket user =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(Fixture.LOOPBACK, server.httpsPort().getAsInt());
    user.setSoTimeout(30_000);
    SSLParameters parameters = user.getSSLParameters();
    parameters.setServerNames(List.of(new SNIHostName(name)));
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    user.setSSLParameters(parameters);
    return user;
  }

  @Test
  void theTunnelIsReachedByNameAndOnlyTheLocalServiceHoldsTheKey() throws Exception {
    WebOptions names = new WebOptions("secure", List.of(), Optional.empty(), "");
    try (RunningClient client =
        RunningClient.start(server, Fixture.web("sec", TunnelType.HTTPS, local.port(), names))) {
      assertThat(client.awaitWeb("sec").urls())
          .containsExactly("https://" + NAME + ":" + server.httpsPort().getAsInt());
      try (SSLSocket user = connect(NAME)) {
        user.startHandshake();
        X509Certificate presented = (X509Certificate) user.getSession().getPeerCertificates()[0];
        assertThat(presented).isEqualTo(certificates.serverCertificate());
        assertThat(Fingerprint.of(presented)).isNotEqualTo(server.fingerprint().orElseThrow());
        user.getOutputStream().write("through, still encrypted".getBytes(StandardCharsets.UTF_8));
        byte[] back = user.getInputStream().readNBytes("through, still encrypted".length());
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("through, still encrypted");
      }
    }
  }

  @Test
  void aNameNoTunnelHoldsIsRefusedWithATlsAlert() {
    assertThatThrownBy(
            () -> {
              try (SSLSocket user = connect("nobody." + Fixture.DOMAIN)) {
                user.startHandshake();
              }
            })
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("unrecognized_name");
  }

  @Test
  void plainHttpOnTheTlsPortIsToldToUseHttps() throws Exception {
    try (Socket user = Fixture.connect(server.httpsPort().getAsInt())) {
      user.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      String answer = new String(user.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 400 ").contains("This port speaks TLS");
    }
  }

  /** A local service that terminates TLS itself and echoes what it reads. */
  private static final class TlsEchoService implements AutoCloseable {
    private final SSLServerSocket listener;

    TlsEchoService(SSLContext context) throws IOException {
      listener =
          (SSLServerSocket)
              context
                  .getServerSocketFactory()
                  .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
      return listener.getLocalPort();
    }

    private void acceptLoop() {
      while (!listener.isClosed()) {
        try {
          Socket socket = listener.accept();
          Thread.ofVirtual().start(() -> echo(socket));
        } catch (IOException e) {
          return;
        }
      }
    }

    private static void echo(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4_096];
        int n;
        while ((n = in.read(buffer)) > 0) {
          socket.getOutputStream().write(buffer, 0, n);
        }
      } catch (IOException e) {
        // The user went away.
      }
    }

    @Override
    public void close() {
      Sockets.closeQuietly(listener);
    }
  }
}

package dev.pipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS as a user meets it: fingerprints printed and recorded, real certificates, mismatches. */
@Timeout(120)
class TlsCliE2ETest {
  private static final String TOKEN = "tls-cli-token-03ab";
  private static final Duration EXIT = Duration.ofSeconds(30);
  private static final Map<String, String> WITH_TOKEN = Map.of("PIPE_TOKEN", TOKEN);

  @TempDir Path dir;
  private EchoServer echo;

  @BeforeEach
  void startEcho() throws Exception {
    echo = EchoServer.start("127.0.0.1", 0);
  }

  @AfterEach
  void stopEcho() throws Exception {
    echo.close();
  }

  private PipeProcess server(String... extra) throws Exception {
    return PipeProcess.server(dir, TOKEN, extra);
  }

  private PipeProcess client(List<String> jvmOptions, int serverPort, String... extra)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "client",
                "--status",
                "off",
                "--server",
                "127.0.0.1:" + serverPort,
                "--state-dir",
                dir.resolve("client-state").toString(),
                "--local",
                String.valueOf(echo.port()),
                "--remote",
                "0",
                "--name",
                "web"));
    args.addAll(List.of(extra));
    return PipeProcess.start(dir, WITH_TOKEN, jvmOptions, args.toArray(String[]::new));
  }

  private static int controlPort(PipeProcess server) throws Exception {
    return Integer.parseInt(server.await("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
  }

  @Test
  void firstContactTrustsAndRecordsTheFingerprintTheServerPrinted() throws Exception {
    try (PipeProcess server = server()) {
      int port = controlPort(server);
      String fingerprint = server.await("certificate fingerprint (sha256:[0-9a-f]{64})").group(1);
      try (PipeProcess client = client(List.of(), port)) {
        client.await("tunnel web ready");
        assertThat(client.stderr())
            .contains(
                "first contact with server 127.0.0.1:"
                    + port
                    + ": trusting its certificate "
                    + fingerprint);
      }
      assertThat(Files.readString(dir.resolve("client-state/known_servers")))
          .contains("127.0.0.1:" + port + " " + fingerprint);
      assertThat(Files.readString(dir.resolve("server-state/server-cert.pem")))
          .startsWith("-----BEGIN CERTIFICATE-----");
    }
  }

  @Test
  void aCertificateFromATrustedAuthorityNeedsNoPinEvenWithStrict() throws Exception {
    TestCertificates certificates = TestCertificates.create(dir);
    try (PipeProcess server =
            server(
                "--tls-cert",
                certificates.certificate().toString(),
                "--tls-key",
                certificates.key().toString());
        PipeProcess client =
            client(certificates.trustStoreOptions(), controlPort(server), "--strict")) {
      client.await("tunnel web ready");
      assertThat(dir.resolve("client-state/known_servers")).doesNotExist();
    }
    try (PipeProcess server =
            server(
                "--tls-cert",
                certificates.certificate().toString(),
                "--tls-key",
                certificates.key().toString());
        PipeProcess untrusting = client(List.of(), controlPort(server), "--strict")) {
      assertThat(untrusting.awaitExit(EXIT))
          .as("without the authority, strict refuses")
          .isEqualTo(1);
      assertThat(untrusting.stderr()).contains("--strict refuses to trust it unseen");
    }
  }

  @Test
  void aPlaintextClientAndATlsServerBothSayWhatIsWrong() throws Exception {
    try (PipeProcess server = server();
        PipeProcess client = client(List.of(), controlPort(server), "--no-tls")) {
      assertThat(client.awaitExit(EXIT)).isEqualTo(1);
      assertThat(client.stderr())
          .contains("TLS is OFF (--no-tls)")
          .contains("error: server 127.0.0.1:")
          .contains("this server requires TLS; run the client without --no-tls");
      server.await("told it TLS is required");
    }
  }

  @Test
  void aTlsClientAndAPlaintextServerBothSayWhatIsWrong() throws Exception {
    try (PipeProcess server = server("--no-tls");
        PipeProcess client = client(List.of(), controlPort(server))) {
      assertThat(client.awaitExit(EXIT)).isEqualTo(1);
      assertThat(client.stderr()).contains("does not speak TLS (is it running with --no-tls?)");
      server.await("the peer speaks TLS but this side runs without it");
      assertThat(server.stderr()).contains("TLS is OFF (--no-tls)");
    }
  }
}

package dev.pipe.e2e;

import static dev.pipe.e2e.Fixture.LOOPBACK;
import static dev.pipe.e2e.Fixture.tcp;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipe.example.EchoServer;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import dev.pipe.server.PipeServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad bytes on the control port close only the connection they arrive on: a transfer through an
 * existing tunnel keeps every byte, and new clients still log in.
 */
@Timeout(60)
class HostileInputE2ETest {
  private EchoServer echo;
  private PipeServer server;
  private RunningClient client;
  private int tunnelPort;

  @BeforeEach
  void start() throws Exception {
    echo = EchoServer.start(LOOPBACK, 0);
    server =
        PipeServer.start(
            Fixture.plainServerConfig()
                .limits(l -> l.handshakeTimeout(Duration.ofSeconds(2)))
                .build());
    client = RunningClient.start(server, tcp("echo", echo.port(), 0));
    tunnelPort = client.awaitReady("echo");
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    server.close();
    echo.close();
  }

  static List<byte[]> hostileInputs() {
    byte[] login = loginShapedFrame();
    return List.of(
        Fixture.header(0x02, Integer.MAX_VALUE),
        Fixture.header(0x02, 65_537),
        Arrays.copyOf(login, login.length / 2),
        Fixture.header(0xff, 2),
        "GET / HTTP/1.1\r\nHost: pipe\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        frame(0x02, "{\"protocolVersion\": 1, \"proof\": "),
        frame(
            0x02,
            "{\"protocolVersion\": 1, \"clientVersion\": \"x\", \"clientId\": \"zz\", \"proof\": \"\"}"),
        frame(0x05, "{\"tunnel\": \"web\", \"type\": \"tcp\", \"remotePort\": 9000}"),
        frame(0x0c, "{}"),
        new byte[] {0});
  }

  @ParameterizedTest
  @MethodSource("hostileInputs")
  void hostileBytesCloseOnlyTheirOwnConnection(byte[] hostile) throws Exception {
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Boolean> transfer =
          threads.submit(TunnelE2ETest.echoRoundTrip(tunnelPort, 11, 8 * 1024 * 1024));
      try (Socket attacker = Fixture.connect(server.port())) {
        attacker.setSoTimeout(10_000);
        InputStream in = attacker.getInputStream();
        MessageCodec.read(in); // the server's Hello
        OutputStream out = attacker.getOutputStream();
        out.write(hostile);
        out.flush();
        assertThat(Fixture.drainUntilClosed(in)).as("the server closed the connection").isTrue();
      }
      assertThat(transfer.get()).isTrue();
    }
    try (RunningClient another = RunningClient.start(server, tcp("again", echo.port(), 0))) {
      assertThat(TunnelE2ETest.echoRoundTrip(another.awaitReady("again"), 12, 1000).call())
          .isTrue();
    }
  }

  @Test
  void aConnectionThatNeverLogsInIsClosedAtTheDeadline() throws Exception {
    try (Socket idle = Fixture.connect(server.port())) {
      idle.setSoTimeout(10_000);
      assertThat(Fixture.drainUntilClosed(idle.getInputStream())).isTrue();
    }
  }

  private static byte[] frame(int type, String json) {
    return Fixture.frame(type, json.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] loginShapedFrame() {
    return MessageCodec.encode(new Message.Goodbye("x".repeat(200)));
  }
}

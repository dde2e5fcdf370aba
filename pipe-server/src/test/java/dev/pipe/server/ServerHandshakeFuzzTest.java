package dev.pipe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipe.config.SourceFilter;
import dev.pipe.proto.ControlChannel;
import dev.pipe.proto.Limits;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.Secret;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Whatever a stranger sends after the server's Hello, the login ends in a refusal or a protocol
 * error and never in a session: without the token, no input can produce a valid proof for the fresh
 * nonce. No other exception may escape. The seed corpus holds well-formed Login, DataLogin and
 * Connect frames for the fuzzer to mutate from.
 */
class ServerHandshakeFuzzTest {
  private static final Credentials CREDENTIALS =
      Credentials.of(
          Secret.of("the-real-token"),
          List.of(
              new User(
                  "alice",
                  Secret.of("alice-token"),
                  PortRanges.UNPRIVILEGED,
                  List.of(),
                  SourceFilter.ANY,
                  HostPermissions.DEFAULT)),
          false,
          PortRanges.UNPRIVILEGED,
          HostPermissions.DEFAULT);

  private static final String ACCESS_KEY = "ab".repeat(32);

  @FuzzTest(maxDuration = "60s")
  void noBytesLogInWithoutTheToken(byte[] input) throws Exception {
    FailedLogins failedLogins =
        new FailedLogins(
            Integer.MAX_VALUE, Duration.ofMinutes(1), Duration.ofMinutes(1), System::nanoTime);
    ServerHandshake handshake =
        new ServerHandshake(
            CREDENTIALS,
            failedLogins,
            tunnel -> tunnel.equals("home-ssh") ? Optional.of(ACCESS_KEY) : Optional.empty());
    ScriptedSocket socket = new ScriptedSocket(input);
    try {
      ServerHandshake.Outcome outcome =
          handshake.perform(new ControlChannel(socket, Limits.MAX_FRAME_BYTES));
      throw new AssertionError("logged in without the token: " + outcome);
    } catch (ServerHandshake.Refused | ProtocolException | EOFException expected) {
      assertThat(socket.written.size()).as("the server said Hello first").isPositive();
    }
  }

  /** A socket whose peer sends {@code input} and then closes. */
  private static final class ScriptedSocket extends Socket {
    private final InputStream in;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    ScriptedSocket(byte[] input) {
      this.in = new ByteArrayInputStream(input);
    }

    @Override
    public InputStream getInputStream() {
      return in;
    }

    @Override
    public OutputStream getOutputStream() {
      return written;
    }

    @Override
    public InetAddress getInetAddress() {
      return InetAddress.getLoopbackAddress();
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
    }
  }
}

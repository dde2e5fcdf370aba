package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class ClientHelloTest {

  /** The first flight of the JDK's own TLS client asking for {@code name}. */
  static byte[] clientHello(String name) throws Exception {
    SSLEngine engine = SSLContext.getDefault().createSSLEngine();
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    if (name != null) {
      parameters.setServerNames(List.of(new SNIHostName(name)));
    }
    engine.setSSLParameters(parameters);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    return Arrays.copyOf(out.array(), out.position());
  }

  @Test
  void findsTheServerNameAndKeepsEveryByte() throws Exception {
    byte[] hello = clientHello("demo.example.test");
    ByteArrayInputStream in = new ByteArrayInputStream(concat(hello, "after".getBytes()));
    ClientHello read = ClientHello.read(in, 16_384);
    assertThat(read.serverName()).contains("demo.example.test");
    assertThat(read.bytes()).isEqualTo(hello);
    assertThat(new String(in.readAllBytes())).isEqualTo("after");
  }

  @Test
  void aClientHelloSplitOverTwoRecordsIsReassembled() throws Exception {
    byte[] hello = clientHello("split.example.test");
    int body = hello.length - 5;
    int first = body / 2;
    byte[] split =
        concat(
            record(Arrays.copyOfRange(hello, 5, 5 + first)),
            record(Arrays.copyOfRange(hello, 5 + first, hello.length)));
    ClientHello read = ClientHello.read(new ByteArrayInputStream(split), 16_384);
    assertThat(read.serverName()).contains("split.example.test");
    assertThat(read.bytes()).isEqualTo(split);
  }

  @Test
  void noServerNameIsEmpty() throws Exception {
    assertThat(ClientHello.read(new ByteArrayInputStream(clientHello(null)), 16_384).serverName())
        .isEmpty();
  }

  @Test
  void whatIsNotAClientHelloOrBreaksTheLimitIsRefused() throws Exception {
    assertThatThrownBy(
            () -> ClientHello.read(new ByteArrayInputStream("GET / HTTP/1.1\r\n".getBytes()), 100))
        .isInstanceOf(ClientHello.Malformed.class);
    byte[] hello = clientHello("demo.example.test");
    assertThatThrownBy(() -> ClientHello.read(new ByteArrayInputStream(hello), 100))
        .isInstanceOf(ClientHello.Malformed.class)
        .hasMessageContaining("larger than 100 bytes");
    assertThatThrownBy(
            () ->
                ClientHello.read(
                    new ByteArrayInputStream(Arrays.copyOf(hello, hello.length - 10)), 16_384))
        .isInstanceOf(EOFException.class);
    byte[] lying = hello.clone();
    lying[5 + 4 + 2 + 32] = (byte) 0xff; // a session id length past the end
    ByteArrayOutputStream cut = new ByteArrayOutputStream();
    cut.write(lying, 0, 5 + 4 + 2 + 32 + 1);
    byte[] shortHello = record(Arrays.copyOfRange(cut.toByteArray(), 5, cut.size()));
    // The handshake length says: this is all.
    shortHello[5 + 1] = 0;
    shortHello[5 + 2] = 0;
    shortHello[5 + 3] = (byte) (2 + 32 + 1);
    assertThatThrownBy(() -> ClientHello.read(new ByteArrayInputStream(shortHello), 16_384))
        .isInstanceOf(ClientHello.Malformed.class)
        .hasMessageContaining("points past its end");
  }

  private static byte[] record(byte[] fragment) {
    return concat(
        new byte[] {22, 3, 1, (byte) (fragment.length >> 8), (byte) fragment.length}, fragment);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}

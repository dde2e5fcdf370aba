package dev.pipe.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pipe.proxy.http.BodyCopy;
import dev.pipe.proxy.http.BodyLength;
import dev.pipe.proxy.http.HeadLimits;
import dev.pipe.proxy.http.HttpException;
import dev.pipe.proxy.http.HttpInput;
import dev.pipe.proxy.http.RequestHead;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * What strangers send to the server's HTTP and HTTPS ports: request heads and bodies, and TLS
 * ClientHellos. Whatever the bytes, the parsers end in a result or in an {@link IOException} that
 * names the problem (an {@link HttpException} with its status, a malformed ClientHello, an early
 * end); nothing else may escape. A request that is accepted reads back, from its canonical form, as
 * the same request: the next hop sees what this one saw. Inputs starting with 0x16 (a TLS handshake
 * record) go to the ClientHello parser, the rest to the HTTP parser.
 */
class PublicInputFuzzTest {
  private static final HeadLimits LIMITS = new HeadLimits(8_192, 100);
  private static final int MAX_REQUESTS = 8;

  @FuzzTest(maxDuration = "60s")
  void everyInputEndsInARequestOrAnError(byte[] input) throws IOException {
    try {
      if (input.length > 0 && input[0] == 0x16) {
        ClientHello hello = ClientHello.read(new ByteArrayInputStream(input), 16_384);
        assertThat(hello.bytes().length).isLessThanOrEqualTo(input.length);
      } else {
        requests(input);
      }
    } catch (HttpException | ClientHello.Malformed | EOFException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  private static void requests(byte[] input) throws IOException {
    HttpInput in = new HttpInput(new ByteArrayInputStream(input), 1_024);
    for (int i = 0; i < MAX_REQUESTS; i++) {
      RequestHead head = RequestHead.read(in, LIMITS);
      if (head == null) {
        return;
      }
      BodyLength body = BodyLength.of(head);
      byte[] canonical = head.bytes(body);
      RequestHead again =
          RequestHead.read(new HttpInput(new ByteArrayInputStream(canonical), 1_024), LIMITS);
      assertThat(again.method()).isEqualTo(head.method());
      assertThat(again.target()).isEqualTo(head.target());
      assertThat(BodyLength.of(again)).isEqualTo(body);
      assertThat(again.bytes(body)).isEqualTo(canonical);
      new BodyCopy(in, OutputStream.nullOutputStream(), bytes -> {}, new byte[512], LIMITS, 400)
          .copy(body);
    }
  }
}

package dev.pipe.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.proxy.ByteCounter;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ResponseAndBodyTest {

  private static String copy(String text, BodyLength length, int errorStatus) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicLong counted = new AtomicLong();
    ByteCounter counter = counted::addAndGet;
    new BodyCopy(
            RequestHeadTest.input(text),
            out,
            counter,
            new byte[7],
            RequestHeadTest.LIMITS,
            errorStatus)
        .copy(length);
    assertThat(counted.get()).isEqualTo(out.size());
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void chunksAreWrittenOutAgainCanonically() throws IOException {
    String sent =
        "4;ext=1\r\nWiki\r\n05\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nnext";
    assertThat(copy(sent, BodyLength.CHUNKED, 400))
        .isEqualTo("4\r\nWiki\r\n5\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n");
  }

  @Test
  void aChunkLongerThanItsSizeOrABadSizeIsRefused() {
    assertThatThrownBy(() -> copy("2\r\nabc\r\n0\r\n\r\n", BodyLength.CHUNKED, 400))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> copy("zz\r\n", BodyLength.CHUNKED, 502))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(502));
    assertThatThrownBy(() -> copy("fffffffffffffffff\r\n", BodyLength.CHUNKED, 400))
        .isInstanceOf(HttpException.class);
    assertThatThrownBy(() -> copy("5\r\nab", BodyLength.CHUNKED, 400))
        .isInstanceOf(EOFException.class);
  }

  @Test
  void fixedAndUntilCloseBodies() throws IOException {
    assertThat(copy("0123456789tail", new BodyLength.Fixed(10), 400)).isEqualTo("0123456789");
    assertThat(copy("everything", BodyLength.UNTIL_CLOSE, 502)).isEqualTo("everything");
    assertThatThrownBy(() -> copy("short", new BodyLength.Fixed(10), 400))
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("5 bytes before its Content-Length");
  }

  @Test
  void responseFramingFollowsTheRequestAndTheStatus() throws IOException {
    ResponseHead ok = response("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    assertThat(BodyLength.of(ok, "GET")).isEqualTo(new BodyLength.Fixed(5));
    assertThat(BodyLength.of(ok, "HEAD")).isEqualTo(BodyLength.NONE);
    assertThat(new String(ok.bytes(BodyLength.of(ok, "HEAD")), StandardCharsets.ISO_8859_1))
        .as("a HEAD response keeps its Content-Length")
        .contains("Content-Length: 5");
    ResponseHead gzipChunked =
        response(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 9\r\n\r\n");
    assertThat(BodyLength.of(gzipChunked, "GET")).isEqualTo(BodyLength.CHUNKED);
    assertThat(new String(gzipChunked.bytes(BodyLength.CHUNKED), StandardCharsets.ISO_8859_1))
        .isEqualTo("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    assertThat(BodyLength.of(response("HTTP/1.0 200\r\n\r\n"), "GET"))
        .isEqualTo(BodyLength.UNTIL_CLOSE);
    assertThat(BodyLength.of(response("HTTP/1.1 304 Not Modified\r\n\r\n"), "GET"))
        .isEqualTo(BodyLength.NONE);
    assertThat(response("HTTP/1.1 100 Continue\r\n\r\n").interim()).isTrue();
    assertThat(response("HTTP/1.1 101 Switching Protocols\r\n\r\n").interim()).isFalse();
  }

  @Test
  void whatIsNotAnHttpResponseIs502() {
    for (String bad :
        new String[] {
          "SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 200\u0001\r\n\r\n"
        }) {
      assertThatThrownBy(() -> response(bad))
          .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(502));
    }
    assertThatThrownBy(
            () -> BodyLength.of(response("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), "GET"))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(502));
    assertThatThrownBy(() -> response("")).isInstanceOf(EOFException.class);
  }

  private static ResponseHead response(String text) throws IOException {
    return ResponseHead.read(RequestHeadTest.input(text), RequestHeadTest.LIMITS);
  }
}

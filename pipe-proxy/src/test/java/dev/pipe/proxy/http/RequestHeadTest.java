package dev.pipe.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestHeadTest {
  static final HeadLimits LIMITS = new HeadLimits(4_096, 20);

  static HttpInput input(String text) {
    return new HttpInput(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), 1_024);
  }

  static RequestHead read(String text) throws IOException {
    return RequestHead.read(input(text), LIMITS);
  }

  @Test
  void readsARequestAndWritesItBackCanonically() throws IOException {
    RequestHead head =
        read("\r\nGET /a?b=c HTTP/1.1\nHost:  demo.example.com \r\nX-Empty:\r\n\r\nrest");
    assertThat(head.method()).isEqualTo("GET");
    assertThat(head.target()).isEqualTo("/a?b=c");
    assertThat(head.headers().single("host")).isEqualTo("demo.example.com");
    assertThat(new String(head.bytes(BodyLength.of(head)), StandardCharsets.ISO_8859_1))
        .isEqualTo("GET /a?b=c HTTP/1.1\r\nHost: demo.example.com\r\nX-Empty: \r\n\r\n");
  }

  @Test
  void theHeadIsReadExactlyAndTheBodyStaysInTheStream() throws IOException {
    HttpInput in = input("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody");
    RequestHead head = RequestHead.read(in, LIMITS);
    assertThat(BodyLength.of(head)).isEqualTo(new BodyLength.Fixed(4));
    assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("body");
  }

  @Test
  void aCleanEndBeforeAnyByteIsNoRequest() throws IOException {
    assertThat(read("")).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      // ~ stands for CRLF: a line break would end the CSV record.
      value = {
        "GET / HTTP/1.1~ folded: value~~| 400 | folded",
        "GET / HTTP/1.1~Bad Name: x~~| 400 | header name",
        "GET / HTTP/1.1~: x~~| 400 | no name",
        "GET / HTTP/1.1~X: a\u0001b~~| 400 | control character",
        "GET / HTTP/1.1~X: a\rb~~| 400 | control character",
        "GET  / HTTP/1.1~~| 400 | request line",
        "GET / HTTP/2.0~~| 505 | only HTTP/1.1",
        "PRI * HTTP/2.0~~| 505 | only HTTP/1.1",
        "GET / SPDY~~| 400 | only HTTP/1.1",
        "GET /\u00e9 HTTP/1.1~~| 400 | request line",
        "GET / HTTP/1.1~Host: a~| 400 | ended",
      })
  void malformedHeadsAreRefusedWithTheirStatus(String text, int status, String message) {
    assertThatThrownBy(() -> read(text.replace("~", "\r\n")))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(status))
        .hasMessageContaining(message);
  }

  @Test
  void aHeadPastItsLimitsIs431() {
    String big = "GET / HTTP/1.1\r\nX: " + "a".repeat(5_000) + "\r\n\r\n";
    assertThatThrownBy(() -> read(big))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(431));
    String many = "GET / HTTP/1.1\r\n" + "X: a\r\n".repeat(21) + "\r\n";
    assertThatThrownBy(() -> read(many))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(431))
        .hasMessageContaining("more than 20 header lines");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Content-Length: 3~Transfer-Encoding: chunked | 400",
        "Content-Length: 3~Content-Length: 4 | 400",
        "Content-Length: 3, 4 | 400",
        "Content-Length: -1 | 400",
        "Content-Length: 0x10 | 400",
        "Content-Length: 1234567890123456789 | 400",
        "Transfer-Encoding: gzip, chunked | 501",
        "Transfer-Encoding: chunked~Transfer-Encoding: chunked | 501",
        "Transfer-Encoding: identity | 501",
      })
  void requestsThatCouldBeReadTwoWaysAreRefused(String framing, int status) throws IOException {
    RequestHead head =
        read("POST / HTTP/1.1\r\nHost: a\r\n" + framing.replace("~", "\r\n") + "\r\n\r\n");
    assertThatThrownBy(() -> BodyLength.of(head))
        .isInstanceOfSatisfying(HttpException.class, e -> assertThat(e.status()).isEqualTo(status));
  }

  @Test
  void identicalContentLengthsAreOne() throws IOException {
    RequestHead head = read("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
    BodyLength body = BodyLength.of(head);
    assertThat(body).isEqualTo(new BodyLength.Fixed(3));
    assertThat(new String(head.bytes(body), StandardCharsets.ISO_8859_1))
        .isEqualTo("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
  }

  @Test
  void keepAliveAndUpgradeFollowTheVersionAndConnectionHeader() throws IOException {
    assertThat(read("GET / HTTP/1.1\r\n\r\n").keepAlive()).isTrue();
    assertThat(read("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").keepAlive()).isFalse();
    assertThat(read("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
    assertThat(read("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive()).isTrue();
    assertThat(
            read("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")
                .upgrade())
        .isTrue();
    assertThat(read("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").upgrade()).isFalse();
  }
}

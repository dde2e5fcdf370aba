package dev.pipe.proxy.http;

import java.util.List;
import java.util.Locale;

/**
 * How the body of a message ends (RFC 9112, section 6): not at all, after a fixed number of bytes,
 * after the last chunk, or when the connection closes. Requests that could be read two ways (both a
 * length and chunked, two different lengths) are refused: that ambiguity is how requests are
 * smuggled past a proxy.
 */
public sealed interface BodyLength {
  /** No body. */
  record None() implements BodyLength {}

  /** Exactly this many bytes. */
  record Fixed(long bytes) implements BodyLength {}

  /** Chunked transfer coding. */
  record Chunked() implements BodyLength {}

  /** Everything until the sender closes (responses only). */
  record UntilClose() implements BodyLength {}

  BodyLength NONE = new None();
  BodyLength CHUNKED = new Chunked();
  BodyLength UNTIL_CLOSE = new UntilClose();

  /** The body of a request. */
  static BodyLength of(RequestHead request) throws HttpException {
    Headers headers = request.headers();
    if (headers.has("Transfer-Encoding")) {
      if (headers.has("Content-Length")) {
        throw new HttpException(400, "a request may not have both Content-Length and chunked");
      }
      if (!request.version().equals("HTTP/1.1")) {
        throw new HttpException(400, "chunked requests need HTTP/1.1");
      }
      if (!codings(headers).equals(List.of("chunked"))) {
        throw new HttpException(501, "the only transfer coding accepted in requests is chunked");
      }
      return CHUNKED;
    }
    return length(headers, 400).map(bytes -> (BodyLength) new Fixed(bytes)).orElse(NONE);
  }

  /** The body of a response to a request made with {@code method}. */
  static BodyLength of(ResponseHead response, String method) throws HttpException {
    int status = response.status();
    if (method.equals("HEAD") || status < 200 || status == 204 || status == 304) {
      return NONE;
    }
    Headers headers = response.headers();
    if (headers.has("Transfer-Encoding")) {
      List<String> codings = codings(headers);
      return !codings.isEmpty() && codings.getLast().equals("chunked") ? CHUNKED : UNTIL_CLOSE;
    }
    return length(headers, 502).map(bytes -> (BodyLength) new Fixed(bytes)).orElse(UNTIL_CLOSE);
  }

  private static List<String> codings(Headers headers) {
    return headers.all("Transfer-Encoding").stream()
        .flatMap(value -> List.of(value.split(",")).stream())
        .map(coding -> coding.strip().toLowerCase(Locale.ROOT))
        .filter(coding -> !coding.isEmpty())
        .toList();
  }

  /** The Content-Length, if given: every value must be the same run of at most 18 digits. */
  private static java.util.Optional<Long> length(Headers headers, int status) throws HttpException {
    Long length = null;
    for (String value : headers.all("Content-Length")) {
      for (String item : value.split(",", -1)) {
        String digits = item.strip();
        if (digits.isEmpty()
            || digits.length() > 18
            || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
          throw new HttpException(status, "Content-Length is not a number");
        }
        long parsed = Long.parseLong(digits);
        if (length != null && length != parsed) {
          throw new HttpException(status, "two different Content-Length values");
        }
        length = parsed;
      }
    }
    return java.util.Optional.ofNullable(length);
  }
}

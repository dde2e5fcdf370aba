package dev.pipe.proxy.http;

/**
 * Bounds on one head (request or response, or the trailers of a chunked body): its bytes, start
 * line included, and its header lines. Both sides of the server's HTTP port read heads from
 * strangers, so nothing is read past these.
 */
public record HeadLimits(int maxBytes, int maxLines) {
  public HeadLimits {
    if (maxBytes < 1_024 || maxLines < 1) {
      throw new IllegalArgumentException(
          "a head must be allowed at least 1024 bytes and 1 line, got "
              + maxBytes
              + " and "
              + maxLines);
    }
  }
}

package dev.pipe.proxy.http;

import java.io.IOException;

/**
 * Bytes that are not the HTTP this side accepts, with the status that tells the sender so: 400 for
 * malformed input, 431 for a head over the limit, 501 for a transfer coding it does not know, 505
 * for another HTTP version, 502 for a local service that answered with something that is not HTTP.
 */
public final class HttpException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public HttpException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The status to answer with. */
  public int status() {
    return status;
  }
}

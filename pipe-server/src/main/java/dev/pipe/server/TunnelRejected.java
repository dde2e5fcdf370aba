package dev.pipe.server;

/** A tunnel request cannot be granted; the message is sent to the client as the reason. */
final class TunnelRejected extends Exception {
  private static final long serialVersionUID = 1L;

  TunnelRejected(String reason) {
    super(reason);
  }
}

package dev.pipe.client;

/**
 * The client cannot go on and retrying will not help (wrong token, different protocol version,
 * every tunnel rejected): the user must change something. The CLI exits with status 1.
 */
public final class ClientFailure extends Exception {
  private static final long serialVersionUID = 1L;

  public ClientFailure(String message) {
    super(message);
  }
}

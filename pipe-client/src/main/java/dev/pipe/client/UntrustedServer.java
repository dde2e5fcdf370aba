package dev.pipe.client;

import java.security.cert.CertificateException;

/**
 * The server's certificate is not the one this client trusts. Raised inside the TLS handshake and
 * found again by {@link ClientTransport}, which turns its message into the user's error.
 */
final class UntrustedServer extends CertificateException {
  private static final long serialVersionUID = 1L;

  UntrustedServer(String message) {
    super(message);
  }
}

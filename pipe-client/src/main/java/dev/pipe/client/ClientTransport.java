package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proxy.Sockets;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Opens connections to the server: TCP, then TLS 1.3 checked by {@link ServerTrust} (or plain with
 * {@code --no-tls}). One TLS context serves every connection, so data connections resume the
 * control connection's TLS session instead of running a full handshake each.
 */
final class ClientTransport {
  private static final String[] PROTOCOLS = {"TLSv1.3"};
  private static final String[] CIPHER_SUITES = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"
  };

  private final SSLSocketFactory factory;

  private ClientTransport(SSLSocketFactory factory) {
    this.factory = factory;
  }

  static ClientTransport plain() {
    return new ClientTransport(null);
  }

  static ClientTransport tls(ServerTrust trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(null, new TrustManager[] {trust}, new SecureRandom());
      return new ClientTransport(context.getSocketFactory());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK always offers TLS 1.3", e);
    }
  }

  /** A connected socket to {@code server}, with its TLS handshake done when TLS is on. */
  Socket connect(HostPort server, Duration connectTimeout, Duration handshakeTimeout)
      throws IOException, ClientFailure {
    Socket raw = new Socket();
    try {
      Sockets.tune(raw);
      raw.connect(server.toAddress(), Math.toIntExact(connectTimeout.toMillis()));
      raw.setSoTimeout(Math.toIntExact(handshakeTimeout.toMillis()));
      if (factory == null) {
        return raw;
      }
      SSLSocket tls = (SSLSocket) factory.createSocket(raw, server.host(), server.port(), true);
      SSLParameters parameters = tls.getSSLParameters();
      parameters.setProtocols(PROTOCOLS);
      parameters.setCipherSuites(CIPHER_SUITES);
      // Lets the system trust store check the certificate's names against the server's host.
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setSSLParameters(parameters);
      tls.startHandshake();
      return tls;
    } catch (SSLException e) {
      raw.close();
      throw handshakeFailure(server, e);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static IOException handshakeFailure(HostPort server, SSLException e)
      throws ClientFailure {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof UntrustedServer untrusted) {
        throw new ClientFailure(untrusted.getMessage());
      }
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("Unsupported or unrecognized SSL message")) {
      throw new ClientFailure(
          "server "
              + server
              + " does not speak TLS (is it running with --no-tls?); run both sides with TLS, or"
              + " pass --no-tls to the client too");
    }
    return new IOException("TLS handshake with server " + server + " failed: " + message, e);
  }
}

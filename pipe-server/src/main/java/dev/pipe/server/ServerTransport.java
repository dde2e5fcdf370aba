package dev.pipe.server;

import dev.pipe.proto.Fingerprint;
import dev.pipe.proto.Message;
import dev.pipe.proto.MessageCodec;
import dev.pipe.proto.ProtocolException;
import dev.pipe.proto.RejectReason;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Turns an accepted TCP connection into the socket the login runs on: TLS 1.3 (the default) or
 * plain. A TLS client sends its ClientHello at once, so the server looks at the first byte: a TLS
 * record goes on to the handshake; silence means a plaintext pipe client, which waits for a Hello
 * that will not come, so it is told in plaintext that TLS is required instead of being left to time
 * out.
 */
final class ServerTransport {
  static final String[] PROTOCOLS = {"TLSv1.3"};

  /**
   * AES-128-GCM first: the fastest of the three on CPUs with AES instructions, and as strong here.
   */
  static final String[] CIPHER_SUITES = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"
  };

  private static final int TLS_HANDSHAKE_RECORD = 0x16;

  private final SSLSocketFactory factory;
  private final Fingerprint fingerprint;

  private ServerTransport(SSLSocketFactory factory, Fingerprint fingerprint) {
    this.factory = factory;
    this.fingerprint = fingerprint;
  }

  static ServerTransport plain() {
    return new ServerTransport(null, null);
  }

  static ServerTransport tls(SSLContext context, Fingerprint fingerprint) {
    return new ServerTransport(context.getSocketFactory(), fingerprint);
  }

  /** The certificate's fingerprint, empty without TLS. */
  Optional<Fingerprint> fingerprint() {
    return Optional.ofNullable(fingerprint);
  }

  /**
   * The socket to log in on. With TLS, waits at most {@code firstByteWait} for the client's first
   * byte and completes the handshake within the remaining deadline.
   */
  Socket secure(Socket raw, Duration firstByteWait, Duration handshakeTimeout) throws IOException {
    if (factory == null) {
      return raw;
    }
    raw.setSoTimeout(Math.toIntExact(firstByteWait.toMillis()));
    InputStream in = raw.getInputStream();
    int first;
    try {
      first = in.read();
    } catch (SocketTimeoutException e) {
      raw.getOutputStream()
          .write(
              MessageCodec.encode(
                  new Message.Rejected(
                      RejectReason.PROTOCOL_ERROR,
                      "this server requires TLS; run the client without --no-tls")));
      throw new ProtocolException(
          "sent nothing within "
              + firstByteWait.toMillis()
              + " ms (a client running with --no-tls, or an idle connection); told it TLS is"
              + " required");
    }
    if (first < 0) {
      throw new EOFException("connection closed before the TLS handshake");
    }
    if (first != TLS_HANDSHAKE_RECORD) {
      throw new ProtocolException(
          String.format(
              "sent 0x%02x where a TLS handshake was expected (not a pipe client?)", first));
    }
    SSLSocket tls =
        (SSLSocket)
            factory.createSocket(raw, new ByteArrayInputStream(new byte[] {(byte) first}), true);
    SSLParameters parameters = tls.getSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    parameters.setCipherSuites(CIPHER_SUITES);
    parameters.setUseCipherSuitesOrder(true);
    tls.setSSLParameters(parameters);
    tls.setSoTimeout(Math.toIntExact(handshakeTimeout.toMillis()));
    tls.startHandshake();
    return tls;
  }
}

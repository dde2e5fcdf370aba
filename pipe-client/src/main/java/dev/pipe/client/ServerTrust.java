package dev.pipe.client;

import dev.pipe.config.HostPort;
import dev.pipe.proto.Fingerprint;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether the server's certificate is the right one, in this order:
 *
 * <ol>
 *   <li>a pinned fingerprint ({@code --server-fingerprint}) must match, and nothing else counts;
 *   <li>a certificate the system trust store accepts for the server's name is trusted;
 *   <li>otherwise trust on first use, as ssh does: the first certificate met is recorded in {@link
 *       KnownServers}, and a later different one is refused. {@code --strict} refuses the first
 *       contact instead.
 * </ol>
 *
 * A verdict is kept for the fingerprint it was given to, so the data connections that follow do not
 * read the known-servers file again.
 */
final class ServerTrust extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(ServerTrust.class);

  private final HostPort server;
  private final Optional<Fingerprint> pin;
  private final boolean strict;
  private final KnownServers known;
  private final X509ExtendedTrustManager system;
  private final AtomicReference<Fingerprint> trusted = new AtomicReference<>();

  ServerTrust(
      HostPort server,
      Optional<Fingerprint> pin,
      boolean strict,
      KnownServers known,
      X509ExtendedTrustManager system) {
    this.server = server;
    this.pin = pin;
    this.strict = strict;
    this.known = known;
    this.system = system;
  }

  /** The JDK's default trust manager, backed by the system's trust store. */
  static X509ExtendedTrustManager systemTrustManager() {
    try {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager extended) {
          return extended;
        }
      }
      throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the system trust store", e);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, () -> system.checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, () -> system.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, () -> system.checkServerTrusted(chain, authType));
  }

  /** The system trust store's check, which may throw. */
  private interface SystemCheck {
    void run() throws CertificateException;
  }

  private void check(X509Certificate[] chain, SystemCheck systemCheck) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new UntrustedServer("server " + server + " presented no certificate");
    }
    Fingerprint actual = Fingerprint.of(chain[0]);
    if (actual.equals(trusted.get())) {
      return;
    }
    if (pin.isPresent()) {
      if (!pin.get().equals(actual)) {
        throw new UntrustedServer(
            "server "
                + server
                + " presented certificate "
                + actual
                + " but --server-fingerprint pins "
                + pin.get()
                + "; if the server's certificate was replaced on purpose, pin the new fingerprint"
                + " (the server prints it at start), otherwise someone may be intercepting the"
                + " connection");
      }
      trusted.set(actual);
      return;
    }
    try {
      systemCheck.run();
      trusted.set(actual);
      return;
    } catch (CertificateException notPubliclyTrusted) {
      // A self-signed server certificate, the usual case: fall through to trust on first use.
    }
    Optional<Fingerprint> remembered = known.lookup(server);
    if (remembered.isPresent()) {
      if (!remembered.get().equals(actual)) {
        throw new UntrustedServer(
            "the certificate of server "
                + server
                + " changed: "
                + known.file()
                + " has "
                + remembered.get()
                + " but the server presented "
                + actual
                + ". Someone may be intercepting the connection. If the server's certificate was"
                + " replaced on purpose (ask its operator: the server prints its fingerprint at"
                + " start), delete the line for "
                + server
                + " from "
                + known.file()
                + " or pass --server-fingerprint "
                + actual);
      }
      trusted.set(actual);
      return;
    }
    if (strict) {
      throw new UntrustedServer(
          "first contact with server "
              + server
              + " (certificate "
              + actual
              + ") and --strict refuses to trust it unseen; check the fingerprint with the"
              + " server's operator and pass it with --server-fingerprint");
    }
    known.remember(server, actual);
    log.warn(
        "first contact with server {}: trusting its certificate {} from now on (recorded in {});"
            + " compare it with the fingerprint the server printed at start",
        server,
        actual,
        known.file());
    trusted.set(actual);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a pipe client does not accept connections");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a pipe client does not accept connections");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a pipe client does not accept connections");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}

package dev.pipe.server;

import dev.pipe.proto.Fingerprint;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's TLS certificate and key: the operator's PEM files, or a self-signed EC P-256
 * certificate generated on first start and kept in the state directory, so that its fingerprint
 * stays the same across restarts and clients that remembered it keep trusting it.
 */
final class TlsIdentity {
  static final String CERTIFICATE_FILE = "server-cert.pem";
  static final String KEY_FILE = "server-key.pem";
  private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(3_650);
  private static final Logger log = LoggerFactory.getLogger(TlsIdentity.class);

  private final List<X509Certificate> chain;
  private final PrivateKey key;

  private TlsIdentity(List<X509Certificate> chain, PrivateKey key) {
    this.chain = List.copyOf(chain);
    this.key = key;
  }

  /** The operator's files if configured, else the generated pair in the state directory. */
  static TlsIdentity load(ServerTls settings) throws IOException, GeneralSecurityException {
    if (settings.certificate().isPresent()) {
      return read(settings.certificate().get(), settings.privateKey().orElseThrow());
    }
    Path certificate = settings.stateDir().resolve(CERTIFICATE_FILE);
    Path key = settings.stateDir().resolve(KEY_FILE);
    if (Files.exists(certificate) && Files.exists(key)) {
      return read(certificate, key);
    }
    TlsIdentity generated = generate();
    generated.store(settings.stateDir(), certificate, key);
    log.info("generated a self-signed TLS certificate in {}", settings.stateDir());
    return generated;
  }

  Fingerprint fingerprint() {
    return Fingerprint.of(chain.getFirst());
  }

  /** A TLS context that presents this identity; TLS 1.3 only is enforced per socket. */
  SSLContext sslContext() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot create an in-memory key store", e);
    }
    char[] password = new char[0];
    store.setKeyEntry("pipe", key, password, chain.toArray(X509Certificate[]::new));
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keys.getKeyManagers(), null, new SecureRandom());
    return context;
  }

  private static TlsIdentity read(Path certificateFile, Path keyFile)
      throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (Reader reader = Files.newBufferedReader(certificateFile, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (item instanceof X509CertificateHolder holder) {
          chain.add(converter.getCertificate(holder));
        }
      }
    }
    if (chain.isEmpty()) {
      throw new GeneralSecurityException(
          "no certificate in "
              + certificateFile
              + "; give a PEM file with -----BEGIN CERTIFICATE-----");
    }
    return new TlsIdentity(chain, readKey(keyFile));
  }

  private static PrivateKey readKey(Path keyFile) throws IOException, GeneralSecurityException {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    try (Reader reader = Files.newBufferedReader(keyFile, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (item instanceof PEMKeyPair pair) {
          return converter.getKeyPair(pair).getPrivate();
        }
        if (item instanceof PrivateKeyInfo info) {
          return converter.getPrivateKey(info);
        }
      }
    }
    throw new GeneralSecurityException(
        "no unencrypted private key in "
            + keyFile
            + "; give a PEM file with -----BEGIN PRIVATE KEY----- (PKCS#8), RSA or EC");
  }

  private static TlsIdentity generate() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    X500Name name = new X500Name("CN=pipe server");
    Instant now = Instant.now();
    try {
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(64, new SecureRandom()),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(SELF_SIGNED_VALIDITY)),
              name,
              pair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      return new TlsIdentity(List.of(certificate), pair.getPrivate());
    } catch (OperatorCreationException | IOException e) {
      throw new GeneralSecurityException("cannot create a self-signed certificate", e);
    }
  }

  /** Writes the pair so that only the owner can read the key; the key file appears atomically. */
  private void store(Path dir, Path certificateFile, Path keyFile) throws IOException {
    Files.createDirectories(dir);
    restrict(dir, "rwx------");
    // PKCS#8 rather than the SEC1 form JcaPEMWriter picks for a bare EC key: SEC1 without the
    // public point cannot be read back as a key pair.
    write(keyFile, new JcaPKCS8Generator(key, null));
    write(certificateFile, chain.getFirst());
  }

  private static void write(Path file, Object pem) throws IOException {
    // Written to a private temporary file first, so the key is never readable by others.
    Path temporary = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
    restrict(temporary, "rw-------");
    try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.US_ASCII);
        JcaPEMWriter pemWriter = new JcaPEMWriter(writer)) {
      pemWriter.writeObject(pem);
    }
    Files.move(
        temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void restrict(Path path, String permissions) throws IOException {
    try {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): its ACLs apply instead.
    }
  }
}

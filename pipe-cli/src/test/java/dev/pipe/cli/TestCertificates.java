package dev.pipe.cli;

import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 signed by it, as an
 * operator with a real certificate would have; plus a trust store holding the authority, standing
 * in for the system's.
 */
record TestCertificates(Path certificate, Path key, Path trustStore) {
  static final String TRUST_STORE_PASSWORD = "changeit";

  static TestCertificates create(Path dir) throws Exception {
    KeyPair caKeys = ecKeys();
    X500Name caName = new X500Name("CN=pipe test authority");
    X509Certificate ca =
        sign(
            new JcaX509v3CertificateBuilder(
                    caName, serial(), notBefore(), notAfter(), caName, caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true)),
            caKeys);
    KeyPair serverKeys = ecKeys();
    X509Certificate server =
        sign(
            new JcaX509v3CertificateBuilder(
                    caName,
                    serial(),
                    notBefore(),
                    notAfter(),
                    new X500Name("CN=127.0.0.1"),
                    serverKeys.getPublic())
                .addExtension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1"))),
            caKeys);
    Path certificate = dir.resolve("server-chain.pem");
    Path key = dir.resolve("server-key.pem");
    try (Writer writer = Files.newBufferedWriter(certificate);
        JcaPEMWriter pem = new JcaPEMWriter(writer)) {
      pem.writeObject(server);
      pem.writeObject(ca);
    }
    try (Writer writer = Files.newBufferedWriter(key);
        JcaPEMWriter pem = new JcaPEMWriter(writer)) {
      pem.writeObject(new JcaPKCS8Generator(serverKeys.getPrivate(), null));
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("pipe-test-authority", ca);
    Path trustStore = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(trustStore)) {
      trust.store(out, TRUST_STORE_PASSWORD.toCharArray());
    }
    return new TestCertificates(certificate, key, trustStore);
  }

  /** JVM options that make {@link #trustStore} the system trust store of a child process. */
  List<String> trustStoreOptions() {
    return List.of(
        "-Djavax.net.ssl.trustStore=" + trustStore,
        "-Djavax.net.ssl.trustStorePassword=" + TRUST_STORE_PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static BigInteger serial() {
    return new BigInteger(64, new SecureRandom());
  }

  private static Date notBefore() {
    return Date.from(Instant.now().minus(Duration.ofDays(1)));
  }

  private static Date notAfter() {
    return Date.from(Instant.now().plus(Duration.ofDays(30)));
  }
}

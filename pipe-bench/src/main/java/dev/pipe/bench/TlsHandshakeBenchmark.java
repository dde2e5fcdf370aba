package dev.pipe.bench;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One TLS 1.3 handshake between two in-memory {@link SSLEngine}s, client and server on the same
 * thread: the CPU every new data connection costs the two ends together, with the server's P-256
 * certificate pipe generates. {@code full} runs the whole handshake (key exchange, certificate,
 * signature); {@code resumed} presents a session ticket from an earlier handshake (JSSE still runs
 * a fresh key exchange, psk_dhe_ke, but no signature and no certificate).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TlsHandshakeBenchmark {
  @Param({"x25519", "secp256r1"})
  public String namedGroup;

  @Param({"full", "resumed"})
  public String mode;

  private SSLContext server;
  private SSLContext client;
  private int port;

  @Setup
  public void setUp() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    X509Certificate certificate = selfSigned(pair);
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    char[] password = "bench".toCharArray();
    store.setKeyEntry("server", pair.getPrivate(), password, new X509Certificate[] {certificate});
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, password);
    server = SSLContext.getInstance("TLSv1.3");
    server.init(keys.getKeyManagers(), null, new SecureRandom());
    client = SSLContext.getInstance("TLSv1.3");
    client.init(null, new TrustManager[] {new TrustOnly(certificate)}, new SecureRandom());
    if (mode.equals("resumed")) {
      handshake(1);
    }
  }

  @Benchmark
  public HandshakeStatus handshake() throws SSLException {
    // The client caches sessions by peer host and port: a new port means a full handshake.
    return handshake(mode.equals("resumed") ? 1 : ++port + 1);
  }

  private HandshakeStatus handshake(int peerPort) throws SSLException {
    SSLEngine clientEngine = client.createSSLEngine("server.bench", peerPort);
    clientEngine.setUseClientMode(true);
    SSLEngine serverEngine = server.createSSLEngine();
    serverEngine.setUseClientMode(false);
    for (SSLEngine engine : new SSLEngine[] {clientEngine, serverEngine}) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setProtocols(new String[] {"TLSv1.3"});
      parameters.setNamedGroups(new String[] {namedGroup});
      engine.setSSLParameters(parameters);
    }
    int size = clientEngine.getSession().getPacketBufferSize();
    ByteBuffer toServer = ByteBuffer.allocate(size);
    ByteBuffer toClient = ByteBuffer.allocate(size);
    ByteBuffer empty = ByteBuffer.allocate(0);
    ByteBuffer sink = ByteBuffer.allocate(clientEngine.getSession().getApplicationBufferSize());
    clientEngine.beginHandshake();
    serverEngine.beginHandshake();
    for (int step = 0; step < 100; step++) {
      boolean clientDone = clientEngine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
      boolean serverDone = serverEngine.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
      if (clientDone && serverDone) {
        // The server sends its session ticket after the handshake; the client keeps it.
        serverEngine.wrap(empty, toClient);
        toClient.flip();
        clientEngine.unwrap(toClient, sink);
        toClient.clear();
        sink.clear();
        return clientEngine.getHandshakeStatus();
      }
      advance(clientEngine, empty, toServer, toClient, sink);
      advance(serverEngine, empty, toClient, toServer, sink);
    }
    throw new SSLException("the handshake did not finish in 100 steps");
  }

  /** Lets {@code engine} write what it has to say, then read what the peer said. */
  private static void advance(
      SSLEngine engine, ByteBuffer empty, ByteBuffer out, ByteBuffer in, ByteBuffer sink)
      throws SSLException {
    runTasks(engine);
    if (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
      engine.wrap(empty, out);
    }
    in.flip();
    while (in.hasRemaining()
        && engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP
        && engine.unwrap(in, sink).bytesConsumed() > 0) {
      runTasks(engine);
    }
    in.compact();
    sink.clear();
  }

  private static void runTasks(SSLEngine engine) {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  private static X509Certificate selfSigned(KeyPair pair)
      throws GeneralSecurityException, OperatorCreationException {
    X500Name name = new X500Name("CN=server.bench");
    Instant now = Instant.now();
    return new JcaX509CertificateConverter()
        .getCertificate(
            new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.ONE,
                    Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))),
                    name,
                    pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
  }

  /** Trusts the one benchmark certificate, as a pinned pipe client does. */
  private record TrustOnly(X509Certificate certificate) implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("no client certificates");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      if (!chain[0].equals(certificate)) {
        throw new CertificateException("not the benchmark certificate");
      }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}

package dev.pipe.bench;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * The JDK's cost of sealing one full TLS 1.3 record (16 KiB) with each cipher suite pipe offers, on
 * one core: the ceiling of one encrypted stream through JSSE, which seals every record on the
 * sending side and opens it on the receiving side. The score is records per second; times 16 KiB it
 * is bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordCipherBenchmark {
  private static final int RECORD_BYTES = 16 * 1024;

  @Param({"AES_128_GCM", "AES_256_GCM", "CHACHA20_POLY1305"})
  public String cipher;

  private final byte[] plaintext = new byte[RECORD_BYTES];
  private final byte[] sealed = new byte[RECORD_BYTES + 16];
  private final byte[] nonce = new byte[12];
  private Cipher sealer;
  private SecretKeySpec key;
  private long sequence;

  @Setup
  public void setUp() throws GeneralSecurityException {
    SecureRandom random = new SecureRandom();
    random.nextBytes(plaintext);
    random.nextBytes(nonce);
    byte[] keyBytes = new byte[cipher.equals("AES_128_GCM") ? 16 : 32];
    random.nextBytes(keyBytes);
    boolean chacha = cipher.startsWith("CHACHA");
    key = new SecretKeySpec(keyBytes, chacha ? "ChaCha20" : "AES");
    sealer = Cipher.getInstance(chacha ? "ChaCha20-Poly1305" : "AES/GCM/NoPadding");
  }

  /** Seals one record under a fresh nonce, as TLS 1.3 does (the sequence number XOR the IV). */
  @Benchmark
  public int sealOneRecord() throws GeneralSecurityException {
    long n = ++sequence;
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] = (byte) (n >>> (8 * i));
    }
    AlgorithmParameterSpec parameters =
        cipher.startsWith("CHACHA") ? new IvParameterSpec(nonce) : new GCMParameterSpec(128, nonce);
    sealer.init(Cipher.ENCRYPT_MODE, key, parameters);
    return sealer.doFinal(plaintext, 0, plaintext.length, sealed, 0);
  }
}

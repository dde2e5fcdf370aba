package dev.pipe.proto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A shared secret such as the login token. It never prints itself: {@code toString()} is {@code
 * ****}, so a secret cannot leak into a log line or an error message by accident.
 */
public final class Secret {
  private static final Secret NONE = new Secret(new byte[0]);

  private final byte[] bytes;

  private Secret(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The secret whose UTF-8 bytes are {@code value}; an empty or null value means no secret. */
  public static Secret of(String value) {
    return value == null || value.isEmpty()
        ? NONE
        : new Secret(value.getBytes(StandardCharsets.UTF_8));
  }

  /** No secret at all: the server accepts any proof, the client signs with an empty key. */
  public static Secret none() {
    return NONE;
  }

  public boolean isEmpty() {
    return bytes.length == 0;
  }

  /**
   * True if {@code candidate} is this secret. Compares SHA-256 digests in constant time, so that
   * neither the content nor the length of the secret shows in how long the answer takes.
   */
  public boolean matches(String candidate) {
    if (bytes.length == 0 || candidate == null) {
      return false;
    }
    return MessageDigest.isEqual(sha256(bytes), sha256(candidate.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] sha256(byte[] value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** HMAC-SHA256 keyed with this secret over the concatenation of {@code parts}. */
  public byte[] hmacSha256(byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      // An empty key is not allowed by SecretKeySpec; a single zero byte is what HMAC pads it to.
      mac.init(new SecretKeySpec(bytes.length == 0 ? new byte[1] : bytes, "HmacSHA256"));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** How many characters the secret has, for advice about its strength; never its content. */
  public int length() {
    return new String(bytes, StandardCharsets.UTF_8).length();
  }

  /**
   * PBKDF2-HMAC-SHA256 of this secret: a key that costs {@code iterations} HMACs to compute from a
   * guess, so that whoever sees something derived from it cannot test guesses quickly.
   */
  public byte[] stretch(byte[] salt, int iterations, int keyBytes) {
    if (bytes.length == 0) {
      throw new IllegalStateException("an empty secret cannot be stretched into a key");
    }
    char[] password = new String(bytes, StandardCharsets.UTF_8).toCharArray();
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, keyBytes * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(password, '\0');
    }
  }

  /** Compares in constant time, so the time taken says nothing about how much matched. */
  public boolean sameAs(Secret other) {
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  /**
   * The secret's text, for the one place that must send it as it is: a group key, which the server
   * compares with the key of the group's first member (inside TLS).
   */
  public String reveal() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "****";
  }
}

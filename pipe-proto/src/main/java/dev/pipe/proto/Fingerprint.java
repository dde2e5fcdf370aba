package dev.pipe.proto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The SHA-256 of a certificate's DER bytes, written {@code sha256:} and 64 hex digits. The server
 * prints it at start; a client pins it with {@code --server-fingerprint} or remembers it.
 */
public record Fingerprint(String hex) {
  private static final String PREFIX = "sha256:";

  public Fingerprint {
    Fields.requireHex("fingerprint", hex, 32);
  }

  public static Fingerprint of(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return new Fingerprint(HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot fingerprint the certificate", e);
    }
  }

  /** Parses {@code sha256:HEX}; colons between the hex pairs and upper case are accepted. */
  public static Fingerprint parse(String text) {
    String value = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    if (!value.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a fingerprint; write sha256: and 64 hex digits, as the server prints it");
    }
    String hex = value.substring(PREFIX.length()).replace(":", "");
    try {
      return new Fingerprint(hex);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not a fingerprint; write sha256: and 64 hex digits, as the server prints it");
    }
  }

  @Override
  public String toString() {
    return PREFIX + hex;
  }
}

package dev.pipe.proto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The login proof: HMAC-SHA256 keyed with the token over a context label and the server's nonce.
 * The nonce is fresh for every connection, so a recorded login is worthless on the next one, and
 * the token itself never crosses the wire.
 */
public final class Proof {
  public static final int NONCE_BYTES = 32;
  public static final int PROOF_BYTES = 32;

  private static final byte[] CONTEXT = "pipe login v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private Proof() {}

  /** A fresh nonce for a {@link Message.Hello}. */
  public static String newNonce() {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return HEX.formatHex(nonce);
  }

  /** What a client holding {@code token} answers to {@code nonce}. */
  public static String compute(Secret token, String nonce) {
    return HEX.formatHex(token.hmacSha256(CONTEXT, HEX.parseHex(nonce)));
  }

  /** True if {@code proof} answers {@code nonce} for {@code token}; constant time. */
  public static boolean verify(Secret token, String nonce, String proof) {
    byte[] expected = token.hmacSha256(CONTEXT, HEX.parseHex(nonce));
    return MessageDigest.isEqual(expected, HEX.parseHex(proof));
  }
}

package dev.pipe.proto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A visitor's proof that it holds a relay tunnel's secret: HMAC-SHA256, keyed with the tunnel's
 * access key, over a context label, the server's nonce for this connection and the tunnel's name.
 * The access key is derived one way from the secret ({@code dev.pipe.relay.RelayKeys}); the server
 * holds it to check proofs, and it opens nothing else.
 */
public final class AccessProof {
  public static final int KEY_BYTES = 32;
  public static final int PROOF_BYTES = 32;

  private static final byte[] CONTEXT =
      "pipe relay access v1\n".getBytes(StandardCharsets.US_ASCII);
  private static final HexFormat HEX = HexFormat.of();

  private AccessProof() {}

  /** What a visitor holding {@code accessKey} answers to {@code nonce} for {@code tunnel}. */
  public static String compute(byte[] accessKey, String nonce, String tunnel) {
    return HEX.formatHex(mac(accessKey, nonce, tunnel));
  }

  /** True if {@code proof} answers {@code nonce} for {@code tunnel}; constant time. */
  public static boolean verify(String accessKeyHex, String nonce, String tunnel, String proof) {
    byte[] expected = mac(HEX.parseHex(accessKeyHex), nonce, tunnel);
    return MessageDigest.isEqual(expected, HEX.parseHex(proof));
  }

  private static byte[] mac(byte[] accessKey, String nonce, String tunnel) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(accessKey, "HmacSHA256"));
      mac.update(CONTEXT);
      mac.update(HEX.parseHex(nonce));
      mac.update(tunnel.getBytes(StandardCharsets.UTF_8));
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}

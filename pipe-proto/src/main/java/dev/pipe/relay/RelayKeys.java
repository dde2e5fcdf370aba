package dev.pipe.relay;

import dev.pipe.proto.AccessProof;
import dev.pipe.proto.Secret;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The two keys both ends of a relay tunnel derive from its name and secret:
 *
 * <pre>
 * master      = PBKDF2-HMAC-SHA256(secret, "pipe relay v1" 0x00 name, 600,000 rounds, 32 bytes)
 * access key  = HKDF-Expand(master, "pipe relay access v1", 32)   given to the server
 * circuit key = HKDF-Expand(master, "pipe relay circuit v1", 32)  never leaves the two ends
 * </pre>
 *
 * The server checks visitors with the access key; the circuit handshake is authenticated with the
 * circuit key, which cannot be computed from the access key, so the server cannot take part in a
 * circuit as either end. The rounds make every guess at a weak secret cost as much as a login. The
 * name salts the derivation: one secret used for two tunnels gives unrelated keys.
 */
public final class RelayKeys {
  /** Part of the protocol: both ends must use the same; OWASP's advice for PBKDF2-SHA256. */
  static final int ITERATIONS = 600_000;

  private static final int KEY_BYTES = 32;
  private static final byte[] ACCESS_INFO = ascii("pipe relay access v1");
  private static final byte[] CIRCUIT_INFO = ascii("pipe relay circuit v1");

  private final String tunnel;
  private final byte[] accessKey;
  private final byte[] circuitKey;

  private RelayKeys(String tunnel, byte[] accessKey, byte[] circuitKey) {
    this.tunnel = tunnel;
    this.accessKey = accessKey;
    this.circuitKey = circuitKey;
  }

  /** Derives the keys; costs a PBKDF2 run (most of a second), so do it once per tunnel. */
  public static RelayKeys derive(String tunnel, Secret secret) {
    ByteArrayOutputStream salt = new ByteArrayOutputStream();
    salt.writeBytes(ascii("pipe relay v1"));
    salt.write(0);
    salt.writeBytes(tunnel.getBytes(StandardCharsets.UTF_8));
    byte[] master = secret.stretch(salt.toByteArray(), ITERATIONS, KEY_BYTES);
    return new RelayKeys(
        tunnel,
        Hkdf.expand(master, ACCESS_INFO, AccessProof.KEY_BYTES),
        Hkdf.expand(master, CIRCUIT_INFO, KEY_BYTES));
  }

  public String tunnel() {
    return tunnel;
  }

  /** The access key as the {@code Reserve} message carries it to the server. */
  public String accessKeyHex() {
    return HexFormat.of().formatHex(accessKey);
  }

  /** A visitor's proof of the secret over the server's nonce for one circuit connection. */
  public String accessProof(String nonce) {
    return AccessProof.compute(accessKey, nonce, tunnel);
  }

  byte[] circuitKey() {
    return circuitKey;
  }

  @Override
  public String toString() {
    return "RelayKeys[" + tunnel + ", ****]";
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}

package dev.pipe.relay;

import dev.pipe.proto.ConnectionId;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The authenticated key exchange the two ends of a circuit run through the relay, before any of the
 * user's bytes: ephemeral X25519, keyed with the tunnel's circuit key, confirmed both ways.
 *
 * <pre>
 * visitor  → provider   "PE" 1 ‖ eV                      (35 bytes)
 * provider → visitor    "PE" 1 ‖ eP ‖ confirmP           (67 bytes)
 * visitor  → provider   confirmV                         (32 bytes)
 *
 * th   = SHA-256("pipe relay circuit v1" 0 ‖ tunnel 0 ‖ circuit id ‖ eV ‖ eP)
 * prk  = HKDF-Extract(salt = circuit key, X25519(eV, eP))
 * keys = HKDF-Expand(prk, "pipe relay keys v1" ‖ th, 128)
 *      = confirm key P ‖ confirm key V ‖ key visitor→provider ‖ key provider→visitor
 * confirmP = HMAC-SHA256(confirm key P, th), confirmV likewise
 * </pre>
 *
 * Whoever lacks the circuit key (the relay among them) cannot compute a confirmation, so a relay
 * that substitutes its own X25519 keys is caught by the first confirmation it must forge; the
 * ephemeral keys make each circuit's keys new and unrecoverable later (forward secrecy). The
 * provider confirms first, so a visitor learns nothing from a party without the key.
 */
public final class CircuitHandshake {
  private static final byte[] MAGIC = {'P', 'E'};
  private static final byte VERSION = 1;
  private static final int KEY_BYTES = 32;
  private static final int MAC_BYTES = 32;
  private static final int HEADER_BYTES = MAGIC.length + 1;
  private static final byte[] X25519_SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00
  };

  private CircuitHandshake() {}

  /** The visitor's side: starts the exchange and checks the provider's confirmation first. */
  public static SealedStreams initiate(
      InputStream in, OutputStream out, RelayKeys keys, ConnectionId circuit) throws IOException {
    KeyPair ephemeral = newKeyPair();
    byte[] visitorKey = raw(ephemeral.getPublic());
    out.write(concat(header(), visitorKey));
    out.flush();
    byte[] reply = read(in, HEADER_BYTES + KEY_BYTES + MAC_BYTES, "the provider");
    checkHeader(reply, "the provider");
    byte[] providerKey = Arrays.copyOfRange(reply, HEADER_BYTES, HEADER_BYTES + KEY_BYTES);
    Derived derived = derive(keys, circuit, agree(ephemeral, providerKey), visitorKey, providerKey);
    byte[] providerConfirmation = Arrays.copyOfRange(reply, HEADER_BYTES + KEY_BYTES, reply.length);
    if (!MessageDigest.isEqual(derived.confirmation(0), providerConfirmation)) {
      throw new CircuitIntegrityException(
          "the provider's handshake does not prove the tunnel's secret: it holds another secret,"
              + " or the relay altered the handshake");
    }
    out.write(derived.confirmation(1));
    out.flush();
    return new SealedStreams(
        new SealedInputStream(in, new RecordCipher(derived.key(3))),
        new SealedOutputStream(out, new RecordCipher(derived.key(2))));
  }

  /** The provider's side: answers with its key and confirmation, then checks the visitor's. */
  public static SealedStreams respond(
      InputStream in, OutputStream out, RelayKeys keys, ConnectionId circuit) throws IOException {
    byte[] hello = read(in, HEADER_BYTES + KEY_BYTES, "the visitor");
    checkHeader(hello, "the visitor");
    byte[] visitorKey = Arrays.copyOfRange(hello, HEADER_BYTES, hello.length);
    KeyPair ephemeral = newKeyPair();
    byte[] providerKey = raw(ephemeral.getPublic());
    Derived derived = derive(keys, circuit, agree(ephemeral, visitorKey), visitorKey, providerKey);
    out.write(concat(header(), providerKey, derived.confirmation(0)));
    out.flush();
    byte[] visitorConfirmation = read(in, MAC_BYTES, "the visitor");
    if (!MessageDigest.isEqual(derived.confirmation(1), visitorConfirmation)) {
      throw new CircuitIntegrityException(
          "the visitor's handshake does not prove the tunnel's secret: it holds another secret,"
              + " or the relay altered the handshake");
    }
    return new SealedStreams(
        new SealedInputStream(in, new RecordCipher(derived.key(2))),
        new SealedOutputStream(out, new RecordCipher(derived.key(3))));
  }

  /** The transcript hash and the four 32-byte keys that follow from the exchange. */
  private record Derived(byte[] transcript, byte[] material) {
    byte[] key(int index) {
      return Arrays.copyOfRange(material, index * KEY_BYTES, (index + 1) * KEY_BYTES);
    }

    /** Index 0: the provider's confirmation, 1: the visitor's. */
    byte[] confirmation(int index) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key(index), "HmacSHA256"));
        return mac.doFinal(transcript);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
      }
    }
  }

  private static Derived derive(
      RelayKeys keys, ConnectionId circuit, byte[] shared, byte[] visitorKey, byte[] providerKey) {
    byte[] transcript =
        sha256(
            concat(
                "pipe relay circuit v1\0".getBytes(StandardCharsets.US_ASCII),
                (keys.tunnel() + "\0").getBytes(StandardCharsets.UTF_8),
                circuit.hex().getBytes(StandardCharsets.US_ASCII),
                visitorKey,
                providerKey));
    byte[] prk = Hkdf.extract(keys.circuitKey(), shared);
    byte[] info = concat("pipe relay keys v1".getBytes(StandardCharsets.US_ASCII), transcript);
    return new Derived(transcript, Hkdf.expand(prk, info, 4 * KEY_BYTES));
  }

  private static byte[] agree(KeyPair ours, byte[] theirRaw) throws CircuitIntegrityException {
    try {
      PublicKey theirs =
          KeyFactory.getInstance("X25519")
              .generatePublic(new X509EncodedKeySpec(concat(X25519_SPKI_PREFIX, theirRaw)));
      KeyAgreement agreement = KeyAgreement.getInstance("X25519");
      agreement.init(ours.getPrivate());
      agreement.doPhase(theirs, true);
      return agreement.generateSecret();
    } catch (GeneralSecurityException e) {
      // A key of small order (all-zero result) or not a key at all: the other side cheats.
      throw new CircuitIntegrityException("the other end's X25519 key is unusable", e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance("X25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 is part of every JDK", e);
    }
  }

  /** The 32 raw bytes of an X25519 public key: its X.509 encoding without the fixed prefix. */
  private static byte[] raw(PublicKey key) {
    byte[] encoded = key.getEncoded();
    return Arrays.copyOfRange(encoded, encoded.length - KEY_BYTES, encoded.length);
  }

  private static byte[] header() {
    return concat(MAGIC, new byte[] {VERSION});
  }

  private static void checkHeader(byte[] message, String from) throws IOException {
    if (message[0] != MAGIC[0] || message[1] != MAGIC[1]) {
      throw new CircuitIntegrityException(
          from + " did not start an encrypted circuit handshake (is it a pipe relay end?)");
    }
    if (message[2] != VERSION) {
      throw new IOException(
          from
              + " speaks circuit handshake version "
              + message[2]
              + " but this end speaks "
              + VERSION
              + "; install the same pipe version on both ends");
    }
  }

  private static byte[] read(InputStream in, int length, String from) throws IOException {
    byte[] bytes = in.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException(
          from
              + " closed the circuit during its handshake ("
              + bytes.length
              + " of "
              + length
              + " bytes)");
    }
    return bytes;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] all = new byte[length];
    int offset = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, offset, part.length);
      offset += part.length;
    }
    return all;
  }
}

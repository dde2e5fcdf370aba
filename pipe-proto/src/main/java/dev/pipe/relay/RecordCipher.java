package dev.pipe.relay;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for one direction of one circuit. The nonce is a counter of the records sealed so far
 * (4 zero bytes, then 8 bytes big-endian), so it never repeats under a key; each direction of each
 * circuit has its own key. A record out of order, replayed, dropped or altered fails to open.
 */
final class RecordCipher {
  static final int TAG_BYTES = 16;
  private static final int NONCE_BYTES = 12;

  private final SecretKeySpec key;
  private final Cipher cipher;
  private final byte[] nonce = new byte[NONCE_BYTES];
  private long counter;

  RecordCipher(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is part of every JDK", e);
    }
  }

  /**
   * Encrypts {@code length} bytes of {@code plain} into {@code out} at {@code offset}, with {@code
   * aad} authenticated too; returns the ciphertext's length, {@code length + TAG_BYTES}.
   */
  int seal(byte[] aad, byte[] plain, int length, byte[] out, int offset) {
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, nextNonce());
      cipher.updateAAD(aad);
      return cipher.doFinal(plain, 0, length, out, offset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM refused a record it built itself", e);
    }
  }

  /** Decrypts a record into {@code plain}; returns the plaintext's length. */
  int open(byte[] aad, byte[] record, int offset, int length, byte[] plain)
      throws CircuitIntegrityException {
    try {
      cipher.init(Cipher.DECRYPT_MODE, key, nextNonce());
      cipher.updateAAD(aad);
      return cipher.doFinal(record, offset, length, plain, 0);
    } catch (AEADBadTagException e) {
      throw new CircuitIntegrityException(
          "record " + (counter - 1) + " failed authentication: the stream was altered", e);
    } catch (GeneralSecurityException e) {
      throw new CircuitIntegrityException("record " + (counter - 1) + " cannot be opened", e);
    }
  }

  private GCMParameterSpec nextNonce() {
    ByteBuffer.wrap(nonce).putInt(0).putLong(counter++);
    return new GCMParameterSpec(TAG_BYTES * 8, nonce);
  }
}

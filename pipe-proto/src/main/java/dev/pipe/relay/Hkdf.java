package dev.pipe.relay;

import java.security.GeneralSecurityException;
import javax.crypto.KDF;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** HKDF-SHA256 (RFC 5869) through the JDK's {@link KDF} API, final since JDK 25 (JEP 510). */
final class Hkdf {
  private Hkdf() {}

  /** A pseudorandom key from input keying material and a salt. */
  static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
    try {
      return KDF.getInstance("HKDF-SHA256")
          .deriveData(
              HKDFParameterSpec.ofExtract().addSalt(salt).addIKM(inputKeyMaterial).extractOnly());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HKDF-SHA256 is part of every JDK 25", e);
    }
  }

  /** {@code length} bytes of output keying material for {@code info}. */
  static byte[] expand(byte[] pseudorandomKey, byte[] info, int length) {
    try {
      return KDF.getInstance("HKDF-SHA256")
          .deriveData(
              HKDFParameterSpec.expandOnly(
                  new SecretKeySpec(pseudorandomKey, "Generic"), info, length));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HKDF-SHA256 is part of every JDK 25", e);
    }
  }
}

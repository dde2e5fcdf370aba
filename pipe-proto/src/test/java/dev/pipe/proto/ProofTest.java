package dev.pipe.proto;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProofTest {
  private final String nonce = Proof.newNonce();

  @Test
  void theRightTokenProvesItself() {
    Secret token = Secret.of("s3cret");
    assertThat(Proof.verify(token, nonce, Proof.compute(token, nonce))).isTrue();
  }

  @Test
  void aWrongTokenDoesNot() {
    assertThat(Proof.verify(Secret.of("s3cret"), nonce, Proof.compute(Secret.of("guess"), nonce)))
        .isFalse();
  }

  @Test
  void anEmptyTokenDoesNotPassForARealOne() {
    assertThat(Proof.verify(Secret.of("s3cret"), nonce, Proof.compute(Secret.none(), nonce)))
        .isFalse();
  }

  @Test
  void aProofIsWorthlessForAnotherNonce() {
    Secret token = Secret.of("s3cret");
    String recorded = Proof.compute(token, nonce);
    assertThat(Proof.verify(token, Proof.newNonce(), recorded)).isFalse();
  }

  @Test
  void noncesAreFresh() {
    assertThat(Proof.newNonce()).isNotEqualTo(Proof.newNonce()).hasSize(64);
  }

  @Test
  void secretsDoNotPrintThemselves() {
    Secret token = Secret.of("s3cret");
    assertThat(token.toString()).isEqualTo("****");
    assertThat(String.valueOf(token)).doesNotContain("s3cret");
  }

  @Test
  void anEmptyValueIsNoSecret() {
    assertThat(Secret.of("").isEmpty()).isTrue();
    assertThat(Secret.of(null).isEmpty()).isTrue();
    assertThat(Secret.of("x").isEmpty()).isFalse();
  }
}

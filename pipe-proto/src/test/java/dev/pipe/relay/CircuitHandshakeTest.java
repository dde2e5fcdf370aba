package dev.pipe.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipe.proto.AccessProof;
import dev.pipe.proto.ConnectionId;
import dev.pipe.proto.Proof;
import dev.pipe.proto.Secret;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The circuit's key exchange and sealed records, run in memory between two threads. */
@Timeout(60)
class CircuitHandshakeTest {
  // PBKDF2 makes a derivation cost most of a second: derive each key set once.
  private static final RelayKeys KEYS =
      RelayKeys.derive("home-ssh", Secret.of("correct horse battery staple"));
  private static final RelayKeys OTHER_SECRET =
      RelayKeys.derive("home-ssh", Secret.of("incorrect horse battery staple"));
  private static final RelayKeys OTHER_NAME =
      RelayKeys.derive("home-web", Secret.of("correct horse battery staple"));

  /** Both ends of a circuit in memory; the visitor's output may be tampered with. */
  private record Ends(
      CompletableFuture<SealedStreams> visitor, CompletableFuture<SealedStreams> provider) {}

  private static Ends handshake(
      RelayKeys visitorKeys, RelayKeys providerKeys, MemoryPipe toProvider, MemoryPipe toVisitor) {
    ConnectionId circuit = ConnectionId.random();
    CompletableFuture<SealedStreams> visitor = new CompletableFuture<>();
    CompletableFuture<SealedStreams> provider = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                visitor.complete(
                    CircuitHandshake.initiate(toVisitor.in, toProvider.out, visitorKeys, circuit));
              } catch (IOException | RuntimeException e) {
                visitor.completeExceptionally(e);
                toProvider.end();
              }
            });
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                provider.complete(
                    CircuitHandshake.respond(toProvider.in, toVisitor.out, providerKeys, circuit));
              } catch (IOException | RuntimeException e) {
                provider.completeExceptionally(e);
                toVisitor.end();
              }
            });
    return new Ends(visitor, provider);
  }

  private static Throwable failure(CompletableFuture<SealedStreams> end) throws Exception {
    try {
      end.get(30, TimeUnit.SECONDS);
      throw new AssertionError("the handshake succeeded");
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void bytesCrossBothWaysAndTheEndRecordIsEndOfStream() throws Exception {
    Ends ends = handshake(KEYS, KEYS, new MemoryPipe(), new MemoryPipe());
    SealedStreams visitor = ends.visitor().get(30, TimeUnit.SECONDS);
    SealedStreams provider = ends.provider().get(30, TimeUnit.SECONDS);
    byte[] up = new byte[100_000];
    new Random(1).nextBytes(up);
    visitor.out().write(up);
    visitor.out().finish();
    assertThat(provider.in().readAllBytes()).isEqualTo(up);
    assertThat(provider.in().failure()).isEmpty();

    provider.out().write("pong".getBytes(StandardCharsets.US_ASCII));
    provider.out().finish();
    assertThat(new String(visitor.in().readAllBytes(), StandardCharsets.US_ASCII))
        .isEqualTo("pong");
  }

  @Test
  void whatIsLeftOfAnOpenedRecordIsAvailableWithoutWaiting() throws Exception {
    Ends ends = handshake(KEYS, KEYS, new MemoryPipe(), new MemoryPipe());
    SealedStreams visitor = ends.visitor().get(30, TimeUnit.SECONDS);
    SealedStreams provider = ends.provider().get(30, TimeUnit.SECONDS);
    assertThat(provider.in().available()).isZero();
    visitor.out().write(new byte[1_000]);
    visitor.out().flush();

    assertThat(provider.in().read(new byte[300])).isEqualTo(300);
    assertThat(provider.in().available()).isEqualTo(700);
    assertThat(provider.in().read(new byte[1_000])).isEqualTo(700);
    assertThat(provider.in().available()).isZero();
  }

  @Test
  void aWrongSecretFailsOnBothEndsAndNoRecordIsExchanged() throws Exception {
    Ends ends = handshake(OTHER_SECRET, KEYS, new MemoryPipe(), new MemoryPipe());
    assertThat(failure(ends.visitor()))
        .isInstanceOf(CircuitIntegrityException.class)
        .hasMessageContaining("does not prove the tunnel's secret");
    assertThat(failure(ends.provider())).isInstanceOf(EOFException.class);
  }

  @Test
  void theSameSecretUnderAnotherNameIsAnotherKey() throws Exception {
    Ends ends = handshake(OTHER_NAME, KEYS, new MemoryPipe(), new MemoryPipe());
    assertThat(failure(ends.visitor())).isInstanceOf(CircuitIntegrityException.class);
    assertThat(OTHER_NAME.accessKeyHex()).isNotEqualTo(KEYS.accessKeyHex());
  }

  /** Any byte of the handshake altered by the relay: one end refuses before user bytes flow. */
  @ParameterizedTest
  @ValueSource(ints = {0, 2, 3, 20, 34})
  void aByteFlippedInTheVisitorsHelloFailsTheHandshake(int offset) throws Exception {
    Ends ends = handshake(KEYS, KEYS, new MemoryPipe(offset), new MemoryPipe());
    Throwable provider = failure(ends.provider());
    assertThat(provider).isInstanceOf(IOException.class);
    assertThat(failure(ends.visitor())).isInstanceOf(IOException.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 34, 35, 66})
  void aByteFlippedInTheProvidersAnswerFailsTheHandshake(int offset) throws Exception {
    Ends ends = handshake(KEYS, KEYS, new MemoryPipe(), new MemoryPipe(offset));
    assertThat(failure(ends.visitor())).isInstanceOf(IOException.class);
  }

  @Test
  void aByteFlippedInTheVisitorsConfirmationFailsAtTheProvider() throws Exception {
    Ends ends = handshake(KEYS, KEYS, new MemoryPipe(35 + 7), new MemoryPipe());
    assertThat(failure(ends.provider()))
        .isInstanceOf(CircuitIntegrityException.class)
        .hasMessageContaining("visitor's handshake");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 500, 16_390})
  void aByteFlippedInARecordIsAnIntegrityError(int offsetInRecords) throws Exception {
    int handshakeBytes = 35 + 32;
    Ends ends =
        handshake(KEYS, KEYS, new MemoryPipe(handshakeBytes + offsetInRecords), new MemoryPipe());
    SealedStreams visitor = ends.visitor().get(30, TimeUnit.SECONDS);
    SealedStreams provider = ends.provider().get(30, TimeUnit.SECONDS);
    visitor.out().write(new byte[40_000]);
    visitor.out().finish();
    assertThatThrownBy(() -> provider.in().readAllBytes())
        .isInstanceOf(CircuitIntegrityException.class)
        .hasMessageStartingWith("integrity error");
    assertThat(provider.in().failure()).get().isInstanceOf(CircuitIntegrityException.class);
  }

  @Test
  void aConnectionClosedWithoutTheEndRecordIsACut() throws Exception {
    MemoryPipe toProvider = new MemoryPipe();
    Ends ends = handshake(KEYS, KEYS, toProvider, new MemoryPipe());
    SealedStreams visitor = ends.visitor().get(30, TimeUnit.SECONDS);
    SealedStreams provider = ends.provider().get(30, TimeUnit.SECONDS);
    visitor.out().write(new byte[1_000]);
    toProvider.end();
    assertThat(provider.in().readNBytes(1_000)).hasSize(1_000);
    assertThatThrownBy(() -> provider.in().read())
        .isInstanceOf(EOFException.class)
        .hasMessageContaining("cut");
  }

  @Test
  void aKeyOfSmallOrderIsRefused() throws IOException {
    MemoryPipe toProvider = new MemoryPipe();
    // "PE", version 1, then the X25519 point 0, which would make the shared secret all zeros.
    toProvider.out.write(new byte[] {'P', 'E', 1}, 0, 3);
    toProvider.out.write(new byte[32], 0, 32);
    assertThatThrownBy(
            () ->
                CircuitHandshake.respond(
                    toProvider.in, new MemoryPipe().out, KEYS, ConnectionId.random()))
        .isInstanceOf(CircuitIntegrityException.class)
        .hasMessageContaining("X25519 key is unusable");
  }

  @Test
  void theAccessProofAnswersOneNonceAndOneName() {
    String nonce = Proof.newNonce();
    String proof = KEYS.accessProof(nonce);
    assertThat(AccessProof.verify(KEYS.accessKeyHex(), nonce, "home-ssh", proof)).isTrue();
    assertThat(AccessProof.verify(KEYS.accessKeyHex(), Proof.newNonce(), "home-ssh", proof))
        .isFalse();
    assertThat(AccessProof.verify(KEYS.accessKeyHex(), nonce, "home-web", proof)).isFalse();
    assertThat(AccessProof.verify(OTHER_SECRET.accessKeyHex(), nonce, "home-ssh", proof)).isFalse();
  }

  @Test
  void keysNeverPrintThemselves() {
    assertThat(KEYS.toString()).doesNotContain(KEYS.accessKeyHex()).contains("****");
  }
}

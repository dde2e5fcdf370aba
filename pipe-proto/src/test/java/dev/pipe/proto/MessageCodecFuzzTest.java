package dev.pipe.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Any bytes at all, fed to the frame codec, give a valid message or a {@link ProtocolException} (or
 * end of stream): never another exception, never an allocation the frame limit forbids, and a
 * decoded message encodes back to a frame that decodes to the same message.
 *
 * <p>Run as a unit test, it replays the seed corpus in {@code MessageCodecFuzzTestInputs}; with
 * {@code JAZZER_FUZZ=1} (see .ci/run) it fuzzes, guided by coverage, for the time given here.
 */
class MessageCodecFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void anyBytesDecodeToAValidMessageOrAProtocolError(byte[] input) throws IOException {
    InputStream in = new ByteArrayInputStream(input);
    while (true) {
      Message message;
      try {
        message = MessageCodec.read(in);
      } catch (ProtocolException | EOFException expected) {
        return;
      }
      byte[] again = MessageCodec.encode(message);
      assertThat(MessageCodec.read(new ByteArrayInputStream(again))).isEqualTo(message);
    }
  }
}
